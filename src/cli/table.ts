import { charWidth, displayWidth, visibleText } from '../core/terminal-text.ts';

/**
 * The widest any line of human output gets, in terminal columns. A longer value is cut at its
 * end with "…" (never wrapped); --json keeps every value whole.
 */
export const MAX_WIDTH = 100;

/** `text` cut to `max` columns: when it is wider, its start and a "…". */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let kept = '';
  let width = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (width + w > max - 1) break;
    kept += ch;
    width += w;
  }
  return max > 0 ? `${kept}…` : '';
}

const sum = (widths: readonly number[]): number => widths.reduce((a, b) => a + b, 0);

const padTo = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - displayWidth(text)));

/**
 * Column widths that fit `budget` columns: the widest columns give way first, all cut to one
 * cap, none below its floor (its header, and at most a few columns anyway).
 */
function fitWidths(natural: readonly number[], floors: readonly number[], budget: number): number[] {
  const at = (cap: number) => natural.map((w, i) => Math.min(w, Math.max(cap, floors[i] ?? 0)));
  let cap = Math.max(0, ...natural);
  while (cap > 0 && sum(at(cap)) > budget) cap--;
  const widths = at(cap);
  // What one cap leaves over goes to the columns it cut, from the left.
  let spare = budget - sum(widths);
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if (widths[i]! < natural[i]!) {
      widths[i]!++;
      spare--;
    }
  }
  return widths;
}

export interface TableOptions {
  /** Headers of columns never cut (a name people type back), as long as the others can give way. */
  whole?: readonly string[];
}

/**
 * Plain aligned columns for terminal output, no wider than MAX_WIDTH: when the cells are wider,
 * the widest columns are cut (see truncate). Cells are escaped before they are measured (a
 * control character or a line break in someone's text would break the columns, or the terminal).
 */
export function renderTable(headers: readonly string[], unsafeRows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const rows = unsafeRows.map((r) => headers.map((_, i) => visibleText(r[i] ?? '')));
  const natural = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]!))));
  const budget = MAX_WIDTH - 2 * (headers.length - 1);
  const floors = headers.map((h, i) => Math.min(natural[i]!, Math.max(displayWidth(h), 6)));
  const wholeFloors = headers.map((h, i) => (options.whole?.includes(h) ? natural[i]! : floors[i]!));
  // Whole columns stay whole only while the others can give way enough; then they are cut too.
  const widths = fitWidths(natural, [wholeFloors, floors].find((f) => sum(f) <= budget) ?? floors.map(() => 1), budget);
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => truncate(c, widths[i]!))
      .map((c, i) => (i === cells.length - 1 ? c : padTo(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * `name: value` lines with the values aligned, each cut to MAX_WIDTH (values are escaped, like
 * table cells). A field of several values (a list) shows one a line, under each other.
 */
export function renderFields(fields: readonly (readonly [string, string | readonly string[]])[]): string {
  const width = Math.max(0, ...fields.map(([name]) => displayWidth(name))) + 2;
  return fields
    .flatMap(([name, value]) => (typeof value === 'string' ? [value] : value.length > 0 ? value : ['(none)']).map((v, i) => fitLine(`${padTo(i === 0 ? `${name}:` : '', width)}${v}`)))
    .join('\n');
}

/** Free text as one line of at most MAX_WIDTH columns: its first line, escaped, cut with "…" when there is more. */
export function fitLine(text: string): string {
  return clip(text, MAX_WIDTH);
}

/** A free-text cell cut to `max` columns (its first line, escaped), so the table fits a terminal; --json keeps it whole. */
export function clip(text: string, max: number): string {
  const first = text.split('\n')[0]!;
  return truncate(`${visibleText(first)}${first !== text ? '…' : ''}`, max);
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
