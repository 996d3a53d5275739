/**
 * When something happened, as a table shows it: "just now", "3m ago", "2h ago", "5d ago", or the
 * date for anything older than a year (a time in the future, from a skewed clock, is "just now").
 * Pure: the caller passes now. --json keeps the ISO timestamp; only text output uses this.
 */
export function relativeTime(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.floor((now - t) / 1000);
  if (s < 10) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  if (s < 365 * 86400) return `${Math.floor(s / 86400)}d ago`;
  return new Date(t).toISOString().slice(0, 10);
}
