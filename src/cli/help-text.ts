/** Pieces of commands' help pages. Light: loaded by `--help`, which must stay fast. */

/** The Examples section of a command's help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}\n`).join('')}`;
}
