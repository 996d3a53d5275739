/**
 * An app's secrets: a map KEY → value that becomes the containers' environment.
 * Every error names the key, never the value.
 */
import * as z from 'zod';
import { canonicalJson } from './envelope.ts';
import { FutuswarmError } from './errors.ts';
import { userName } from './names.ts';
import { KEY_RE, SECRET_LIMITS } from './secret-key.ts';

export { SECRET_KEY_RULE, SECRET_LIMITS, secretKeyName } from './secret-key.ts';

export type Secrets = Readonly<Record<string, string>>;

/** What one `set`/`unset` asks for. A key may not be both set and unset. */
export interface SecretsChange {
  set?: Readonly<Record<string, string>>;
  unset?: readonly string[];
}

export interface AppliedSecretsChange {
  values: Secrets;
  /** Keys whose value was added or changed, sorted. */
  set: string[];
  /** Keys that were removed, sorted. */
  unset: string[];
  /** `set` and `unset` together, sorted. */
  changed: string[];
  /** Keys asked to be unset that were not there. */
  missing: string[];
}

/** Stored in the clear beside each encrypted version: who, when, which keys. */
export const secretsMetaSchema = z.object({
  user: userName,
  time: z.iso.datetime(),
  set: z.array(z.string()),
  unset: z.array(z.string()),
  note: z.string().max(200).optional(),
});
export type SecretsMeta = z.output<typeof secretsMetaSchema>;

export interface SecretDescription {
  key: string;
  bytes: number;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** How a key is shown in an error: as-is when valid, quoted and shortened otherwise. */
function keyPath(what: string, key: string): string {
  if (KEY_RE.test(key) && key.length <= 64) return `${what}.${key}`;
  const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
  return `${what}[${JSON.stringify(shown)}]`;
}

export function isSecretKey(key: string): boolean {
  return KEY_RE.test(key) && byteLength(key) <= SECRET_LIMITS.maxKeyBytes;
}

function keyProblem(key: string): string | undefined {
  if (key === '') return 'empty key';
  if (!KEY_RE.test(key)) return 'invalid key: use A-Z, 0-9 and "_", not starting with a digit';
  if (byteLength(key) > SECRET_LIMITS.maxKeyBytes) return `key is longer than ${SECRET_LIMITS.maxKeyBytes} bytes`;
  return undefined;
}

/** Why a value cannot be a secret (too long, a NUL), without the value; undefined when it can. */
export function secretValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `value must be a string, got ${value === null ? 'null' : typeof value}`;
  const bytes = byteLength(value);
  if (bytes > SECRET_LIMITS.maxValueBytes) {
    return `value is ${bytes} bytes; the limit is ${SECRET_LIMITS.maxValueBytes} bytes (64 KiB)`;
  }
  // The environment of a process is a list of C strings.
  if (value.includes('\0')) return 'value contains a NUL character';
  return undefined;
}

function totalsProblems(values: Secrets, what: string): string[] {
  const keys = Object.keys(values);
  const problems: string[] = [];
  if (keys.length > SECRET_LIMITS.maxKeys) {
    problems.push(`${what}: ${keys.length} keys; the limit is ${SECRET_LIMITS.maxKeys}`);
  }
  const total = keys.reduce((sum, k) => sum + byteLength(k) + byteLength(values[k] ?? ''), 0);
  if (total > SECRET_LIMITS.maxTotalBytes) {
    problems.push(`${what}: ${total} bytes in total; the limit is ${SECRET_LIMITS.maxTotalBytes} bytes (512 KiB)`);
  }
  return problems;
}

function fail(what: string, problems: string[]): never {
  const message = problems.length === 1 ? problems[0]! : `${what}:\n  ${problems.join('\n  ')}`;
  throw new FutuswarmError('invalid_input', message, { details: { issues: problems } });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Check a whole document; reports every problem at once. */
export function validateSecrets(values: unknown, what = 'secrets'): Secrets {
  if (!isPlainObject(values)) fail(what, [`${what}: must be an object of KEY → value`]);
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const problem = keyProblem(key) ?? secretValueProblem(value);
    if (problem) problems.push(`${keyPath(what, key)}: ${problem}`);
  }
  if (problems.length === 0) problems.push(...totalsProblems(values as Secrets, what));
  if (problems.length > 0) fail(what, problems);
  return Object.fromEntries(Object.entries(values as Secrets).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Apply a change to the current values. Validates the change and the result; reports every
 * problem at once and changes nothing on error. Setting a key to its current value is not a
 * change.
 */
export function applySecretsChange(current: Secrets, change: SecretsChange, what = 'secrets'): AppliedSecretsChange {
  const problems: string[] = [];
  const toSet = change.set ?? {};
  const toUnset = change.unset ?? [];
  if (!isPlainObject(toSet)) fail(what, [`${what}: "set" must be an object of KEY → value`]);
  if (!Array.isArray(toUnset)) fail(what, [`${what}: "unset" must be a list of keys`]);
  for (const [key, value] of Object.entries(toSet)) {
    const problem = keyProblem(key) ?? secretValueProblem(value);
    if (problem) problems.push(`${keyPath(what, key)}: ${problem}`);
  }
  for (const key of toUnset) {
    if (typeof key !== 'string') {
      problems.push(`${what}: keys to unset must be strings`);
      continue;
    }
    const problem = keyProblem(key) ?? (Object.hasOwn(toSet, key) ? 'both set and unset in one change' : undefined);
    if (problem) problems.push(`${keyPath(what, key)}: ${problem}`);
  }
  if (problems.length > 0) fail(what, problems);

  const next: Record<string, string> = { ...current };
  const set: string[] = [];
  const unset: string[] = [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(toSet)) {
    if (next[key] !== value || !Object.hasOwn(next, key)) set.push(key);
    next[key] = value;
  }
  for (const key of new Set(toUnset)) {
    if (Object.hasOwn(next, key)) {
      delete next[key];
      unset.push(key);
    } else {
      missing.push(key);
    }
  }
  const totals = totalsProblems(next, what);
  if (totals.length > 0) fail(what, totals);
  set.sort();
  unset.sort();
  missing.sort();
  return {
    values: Object.fromEntries(Object.entries(next).sort(([a], [b]) => (a < b ? -1 : 1))),
    set,
    unset,
    changed: [...set, ...unset].sort(),
    missing,
  };
}

/** The keys that differ from `from` to `to`, sorted; never values. `set`: added or changed, `unset`: gone. */
export function secretsDifference(from: Secrets, to: Secrets): { set: string[]; unset: string[] } {
  return {
    set: Object.keys(to).filter((k) => !Object.hasOwn(from, k) || from[k] !== to[k]).sort(),
    unset: Object.keys(from).filter((k) => !Object.hasOwn(to, k)).sort(),
  };
}

/** Keys and sizes, for `app:secrets list`; never values. */
export function describeSecrets(values: Secrets): SecretDescription[] {
  return Object.keys(values)
    .sort()
    .map((key) => ({ key, bytes: byteLength(values[key] ?? '') }));
}

/** The plaintext that gets sealed: canonical JSON, so equal maps give equal bytes. */
export function encodeSecrets(values: Secrets): Buffer {
  return Buffer.from(canonicalJson(values), 'utf8');
}

export function decodeSecrets(bytes: Uint8Array, what = 'secrets'): Secrets {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new FutuswarmError('protocol', `${what}: decrypted document is not JSON`);
  }
  if (!isPlainObject(data) || Object.values(data).some((v) => typeof v !== 'string')) {
    throw new FutuswarmError('protocol', `${what}: decrypted document is not a map of KEY → string`);
  }
  return data as Secrets;
}
