/**
 * Lines of several tasks in the order they were written. Docker sends a service's logs task by
 * task, and its RFC 3339 times drop trailing zeros (`.12Z` is after `.119Z`), so they are
 * compared as numbers, not as text.
 */

/** A time Docker recorded as a sortable key: UTC milliseconds, then nanoseconds within them. */
export function logTimeKey(time: string | undefined): [number, number] {
  if (time === undefined) return [Number.MAX_SAFE_INTEGER, 0];
  const m = /\.(\d+)/.exec(time);
  const fraction = (m?.[1] ?? '').padEnd(9, '0').slice(0, 9);
  const ms = Date.parse(m ? time.replace(m[0], '') : time);
  return Number.isNaN(ms) ? [Number.MAX_SAFE_INTEGER, 0] : [ms + Number(fraction.slice(0, 3)), Number(fraction.slice(3))];
}

/** The lines sorted by when they were written; lines of equal time (or none) keep their order. */
export function mergeByTime<T extends { time: string | undefined }>(lines: readonly T[]): T[] {
  const keyed = lines.map((line, i) => ({ line, i, key: logTimeKey(line.time) }));
  keyed.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.i - b.i);
  return keyed.map((k) => k.line);
}
