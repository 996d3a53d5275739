/**
 * Text from other people (lock messages, audit records, Docker's and tasks' errors, names read
 * from old state) must never drive the terminal that shows it: an ESC can clear the screen,
 * rewrite earlier lines, set the window title or plant a link. On output every control
 * character is shown as its JSON escape (`\u001b`), the form `--json` shows too; on input,
 * names and free text refuse them.
 */

/** C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** The same without line feed and tab, for text that is meant to span lines. */
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** What JSON.stringify leaves as it is: DEL and C1 (a terminal may take U+009B as CSI). */
const CONTROL_JSON_KEEPS = /[\u007f-\u009f]/g;

const escaped = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

export interface VisibleTextOptions {
  /** Keep line feeds and tabs (a message of several lines); default: escape them too. */
  lines?: boolean;
}

/** `text` with every control character shown as `\u001b` and the like; printable text is unchanged. */
export function visibleText(text: string, options: VisibleTextOptions = {}): string {
  return text.replace(options.lines ? CONTROL_BUT_LINES : CONTROL, escaped);
}

/** JSON for a terminal or a pipe: valid JSON of the same value, with no raw control character in it. */
export function terminalJson(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(CONTROL_JSON_KEEPS, escaped);
}

/** Whether `text` holds any control character, line feeds and tabs included. */
export function hasControlCharacters(text: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f]/.test(text);
}

/** The refusal of a name or free text with a control character in it. */
export const CONTROL_CHARACTERS_RULE = 'must not contain control characters (such as ESC, a line break or a tab)';

/** For `.refine(noControlCharacters, CONTROL_CHARACTERS_RULE)` on names and free text. */
export function noControlCharacters(text: string): boolean {
  return !hasControlCharacters(text);
}

/** Code points a terminal shows in no column: combining marks, format characters, variation selectors. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u{fe00}-\u{fe0f}]$/u;
/** Code points a terminal shows in two columns: East Asian wide and fullwidth, and emoji. */
const WIDE = /^[\u{1100}-\u{115f}\u{2e80}-\u{303e}\u{3041}-\u{33ff}\u{3400}-\u{4dbf}\u{4e00}-\u{9fff}\u{a000}-\u{a4cf}\u{ac00}-\u{d7a3}\u{f900}-\u{faff}\u{fe30}-\u{fe4f}\u{ff00}-\u{ff60}\u{ffe0}-\u{ffe6}\u{20000}-\u{3fffd}\p{Emoji_Presentation}]$/u;

/** How many terminal columns one code point takes: 0, 1 or 2. */
export function charWidth(ch: string): number {
  if (ZERO_WIDTH.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/** How many terminal columns `text` takes (printable text; escape control characters first). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}
