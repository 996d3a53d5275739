/**
 * Dotenv files for `app:secrets import` and `export`: parsed strictly and written so that
 * parsing gives back exactly what was written. Every problem names its line, never a value
 * (a malformed line may well be half a secret).
 *
 * - `KEY=value` and `export KEY=value`; spaces around `=` are allowed; `#` starts a comment at
 *   the start of a line or after a space in an unquoted value; blank lines are skipped.
 * - Unquoted values are trimmed and may contain `=`.
 * - Single quotes (and backticks) are literal. Double quotes understand `\n`, `\r`, `\t`, `\"`
 *   and `\\`; any other backslash stays as it is. Quoted values may span lines.
 * - No `${VAR}` expansion: a value is exactly what the file says.
 */
import { FutuswarmError } from './errors.ts';
import { secretKeyName, secretValueProblem, validateSecrets, type Secrets } from './secrets.ts';

export interface DotenvProblem {
  line: number;
  message: string;
}

export type DotenvParse =
  | { ok: true; values: Record<string, string>; lines: Record<string, number> }
  | { ok: false; problems: DotenvProblem[] };

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
const BLANK = /[ \t]/;

/** Parse a whole file; reports every problem at once, each with its (1-based) line. */
export function parseDotenv(text: string): DotenvParse {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const values: Record<string, string> = {};
  const lines: Record<string, number> = {};
  const problems: DotenvProblem[] = [];
  let pos = 0;
  let line = 1;

  /** The rest of the current line (without its newline); moves past the newline. */
  const takeLine = (): string => {
    const end = src.indexOf('\n', pos);
    const rest = src.slice(pos, end < 0 ? src.length : end);
    pos = end < 0 ? src.length : end + 1;
    if (end >= 0) line++;
    return rest;
  };
  const skipBlanks = (): void => {
    while (pos < src.length && BLANK.test(src[pos]!)) pos++;
  };

  while (pos < src.length) {
    const start = line;
    skipBlanks();
    if (src[pos] === '\n' || src[pos] === '#' || pos >= src.length) {
      takeLine();
      continue;
    }
    if (src.startsWith('export', pos) && BLANK.test(src[pos + 6] ?? '')) {
      pos += 6;
      skipBlanks();
    }
    const eq = src.indexOf('=', pos);
    const newline = src.indexOf('\n', pos);
    if (eq < 0 || (newline >= 0 && newline < eq)) {
      takeLine();
      problems.push({ line: start, message: 'not KEY=value' });
      continue;
    }
    const key = src.slice(pos, eq).replace(/[ \t]+$/, '');
    pos = eq + 1;
    const value = readValue();
    if (value === undefined) continue;
    // The key is only shown once it is a valid name: before that it may be part of a value.
    if (!secretKeyName.safeParse(key).success) {
      problems.push({ line: start, message: 'the key is not an environment variable name (A-Z, 0-9 and _, not starting with a digit)' });
    } else if (Object.hasOwn(values, key)) {
      problems.push({ line: start, message: `${key} is given twice (first on line ${lines[key]})` });
    } else {
      values[key] = value;
      lines[key] = start;
    }

    /** The value at `pos`, through the end of its line; undefined after recording a problem. */
    function readValue(): string | undefined {
      const afterEq = pos;
      skipBlanks();
      const quote = src[pos];
      if (quote !== '"' && quote !== "'" && quote !== '`') {
        pos = afterEq;
        // `KEY=a#b` keeps its `#`; `KEY=a #b` and `KEY= #b` end at the comment.
        const rest = takeLine();
        const comment = rest.search(/[ \t]#/);
        return (comment < 0 ? rest : rest.slice(0, comment)).trim();
      }
      let value = '';
      let i = pos + 1;
      for (; i < src.length && src[i] !== quote; i++) {
        const ch = src[i]!;
        if (quote === '"' && ch === '\\' && i + 1 < src.length && ESCAPES[src[i + 1]!] !== undefined) {
          value += ESCAPES[src[++i]!];
        } else {
          value += ch;
        }
      }
      if (i >= src.length) {
        problems.push({ line: start, message: `the ${quote === '"' ? 'double' : quote === "'" ? 'single' : 'back'}-quoted value is not closed` });
        pos = src.length;
        return undefined;
      }
      line += countNewlines(src, pos, i);
      pos = i + 1;
      const rest = takeLine();
      if (!/^[ \t]*(#.*)?$/.test(rest)) {
        problems.push({ line: start, message: 'unexpected text after the closing quote (quote the whole value)' });
        return undefined;
      }
      return value;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values, lines };
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text[i] === '\n') n++;
  return n;
}

/** Characters a value may have and still be written without quotes. */
const BARE = /^[A-Za-z0-9_./:@%+,=-]+$/;

/**
 * One value as it appears after `KEY=`: bare when plain, in single quotes when that suffices
 * (a shell reads those literally too), else in double quotes with escapes.
 */
export function quoteDotenvValue(value: string): string {
  if (BARE.test(value)) return value;
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  return `"${value.replace(/[\\"\n\r]/g, (ch) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' })[ch]!)}"`;
}

/** A dotenv file of `values`, keys sorted, one `KEY=value` a line. */
export function serializeDotenv(values: Readonly<Record<string, string>>): string {
  return Object.keys(values)
    .sort()
    .map((key) => `${key}=${quoteDotenvValue(values[key]!)}\n`)
    .join('');
}

/**
 * The secrets a dotenv file sets, for `app:secrets import`: refused with every problem (each
 * naming its line, never a value) when the file is malformed, has no assignment, or holds a
 * value that cannot be a secret.
 */
export function secretsFromDotenv(text: string, source: string): Secrets {
  const parsed = parseDotenv(text);
  const problems = parsed.ok
    ? Object.entries(parsed.values).flatMap(([key, value]) => {
        const problem = secretValueProblem(value);
        return problem ? [{ line: parsed.lines[key]!, message: `${key}: ${problem}` }] : [];
      })
    : parsed.problems;
  if (problems.length > 0) {
    const lines = problems.map((p) => `line ${p.line}: ${p.message}`);
    const message = lines.length === 1
      ? `${source}, ${lines[0]}; nothing was changed`
      : `${source}: ${lines.length} problems, nothing was changed:\n  ${lines.join('\n  ')}`;
    throw new FutuswarmError('invalid_input', message, { details: { issues: lines } });
  }
  const values = parsed.ok ? parsed.values : {};
  if (Object.keys(values).length === 0) {
    throw new FutuswarmError('invalid_input', `${source} has no KEY=value line, so nothing was changed`, {
      hint: 'an empty input is often a failed pipe or the wrong file',
    });
  }
  return validateSecrets(values, source);
}
