import { visibleText } from '../core/terminal-text.ts';

/**
 * Plain aligned columns for terminal output. Cells are escaped before they are measured (a
 * control character or a line break in someone's text would break the columns, or the terminal).
 */
export function renderTable(headers: readonly string[], unsafeRows: readonly (readonly string[])[]): string {
  const rows = unsafeRows.map((r) => r.map((cell) => visibleText(cell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** A free-text cell cut to `max` characters (its first line), so the table fits a terminal; --json keeps it whole. */
export function clip(text: string, max: number): string {
  const first = text.split('\n')[0]!;
  return first.length > max || first !== text ? `${first.slice(0, max - 1)}…` : first;
}

/** What a table or a field shows in place of what only an app's owners may see. */
export const OWNERS_ONLY = '(owners only)';

/** A byte count as people read it: kB below a megabyte, MB above. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

/** How many rows a table shows without --limit; --json without it gets the whole list, for scripts. */
export const DEFAULT_LIMIT = 20;

/** Under a table cut by --limit: how many rows were left out (or that some were), and how to see them. */
export function limitNote(more: number | 'some', noun: string): string {
  return `${more === 'some' ? '' : `${more} `}${noun} left out; use --limit to see them`;
}
