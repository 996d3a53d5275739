/**
 * Object keys that mean something to JavaScript itself. JSON.parse and YAML keep `__proto__` as
 * a key of its own, and zod then drops it without a word (z.record, loose objects): a request
 * or a file that says more than we read. So every parse edge refuses them, with their paths.
 */
import { issuesError, type ErrorCode } from './errors.ts';

export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * The path of every object key named `__proto__`, `constructor` or `prototype` in a parsed
 * value, at any depth, as `formatIssues` writes paths (`args.limits.__proto__`, `command.0`).
 * Walks without recursion: a request may nest thousands deep.
 */
export function reservedKeyPaths(value: unknown, root = ''): string[] {
  const found: string[] = [];
  const pending: { value: unknown; path: string }[] = [{ value, path: root }];
  const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: v, path } = next;
    if (v === null || typeof v !== 'object') continue;
    for (const key of Object.keys(v)) {
      if (!Array.isArray(v) && RESERVED_KEYS.includes(key)) found.push(join(path, key));
      pending.push({ value: (v as Record<string, unknown>)[key], path: join(path, key) });
    }
  }
  return found.sort();
}

/** Throw when a parsed value holds a reserved key: one line per key, each with its path. */
export function refuseReservedKeys(
  value: unknown,
  what: string,
  options: { root?: string; code?: ErrorCode; hint?: string } = {},
): void {
  const paths = reservedKeyPaths(value, options.root);
  if (paths.length === 0) return;
  const lines = paths.map((path) => `${path}: the key "${path.slice(path.lastIndexOf('.') + 1)}" is not allowed`);
  throw issuesError(what, lines, options);
}
