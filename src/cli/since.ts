import { FutuswarmError } from '../core/errors.ts';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** `--since 24h` (90, 30s, 10m, 7d, 2w …) or an ISO 8601 date/time; anything else is invalid input. */
export function parseSince(value: string, flag = '--since'): { sinceSeconds: number } | { since: string } {
  const m = /^(\d+)([smhdw])?$/.exec(value);
  if (m) return { sinceSeconds: Number(m[1]) * UNITS[m[2] ?? 's']! };
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return { since: new Date(value).toISOString() };
  throw new FutuswarmError('invalid_input', `${flag}: must be a duration such as 10m, 2h or 7d, or a date/time such as 2025-01-31T09:00Z, got "${value}"`);
}

/** The same, as seconds before now, for ops that take only that (app.logs); a time to come is invalid input. */
export function sinceSeconds(value: string, now: number, flag = '--since'): number {
  const since = parseSince(value, flag);
  if ('sinceSeconds' in since) return since.sinceSeconds;
  const seconds = Math.ceil((now - Date.parse(since.since)) / 1000);
  if (seconds < 1) throw new FutuswarmError('invalid_input', `${flag}: ${value} is not in the past`);
  return seconds;
}
