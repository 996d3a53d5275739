/**
 * What an audit record keeps of a request's arguments: all of them while they are small, else
 * a summary under a fixed size. Anyone may send 4 MB to an op they may not call, and a refusal
 * is recorded: the trail must not grow by what they send. Secret values are hidden before this
 * (src/state/audit.ts); a summary only ever leaves things out.
 */
import { RESERVED_KEYS } from './reserved-keys.ts';

/** The most an audit record's `args` may take, as UTF-8 JSON. */
export const AUDIT_ARGS_MAX_BYTES = 2048;
/** The most of an error message and of an op name a record keeps. */
export const AUDIT_MESSAGE_MAX_CHARS = 1000;
export const AUDIT_OP_MAX_CHARS = 100;

const KEY_MAX_CHARS = 64;

interface Limits {
  /** Characters kept of each string. */
  string: number;
  /** Items kept of each array, keys of each object. */
  items: number;
  keys: number;
  /** Levels of nesting kept below the arguments themselves. */
  depth: number;
}

/** From generous to tight: the first whose summary fits is used. */
const LEVELS: readonly Limits[] = [
  { string: 200, items: 20, keys: 40, depth: 6 },
  { string: 64, items: 8, keys: 20, depth: 4 },
  { string: 24, items: 3, keys: 12, depth: 2 },
  { string: 8, items: 0, keys: 8, depth: 1 },
  { string: 8, items: 0, keys: 8, depth: 0 },
];

export interface ArgsSummary {
  args: Record<string, unknown>;
  /** The size of the arguments' JSON when `args` is a summary of them; absent when they are whole. */
  bytes?: number;
}

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** A string cut to `max` characters, saying how long it was: `abc… (3000000 characters)`. */
export function cutText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Arguments as an audit record keeps them: unchanged when their JSON takes at most `maxBytes`;
 * otherwise every key still named (long or reserved ones cut or bracketed), long strings cut
 * with their length noted, long arrays and objects counted, deep ones collapsed, tighter and
 * tighter until it fits. Whatever comes in, what comes out takes at most `maxBytes`.
 */
export function summarizeArgs(args: Record<string, unknown>, maxBytes = AUDIT_ARGS_MAX_BYTES): ArgsSummary {
  const bytes = jsonBytes(args);
  if (bytes <= maxBytes && !hasReservedKey(args)) return { args };
  for (const limits of LEVELS) {
    const summary = shrink(args, limits, 0) as Record<string, unknown>;
    if (jsonBytes(summary) <= maxBytes) return { args: summary, bytes };
  }
  return { args: { '…': `${Object.keys(args).length} keys, too many to name` }, bytes };
}

function shrink(value: unknown, limits: Limits, depth: number): unknown {
  if (typeof value === 'string') return cutText(value, limits.string);
  if (Array.isArray(value)) {
    if (depth > limits.depth) return `[${value.length} items]`;
    const kept = value.slice(0, limits.items).map((item) => shrink(item, limits, depth + 1));
    return value.length > kept.length ? [...kept, `… ${value.length - kept.length} more (${value.length} items)`] : kept;
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (depth > limits.depth) return `{${keys.length} keys}`;
    const out: Record<string, unknown> = {};
    for (const key of keys.slice(0, limits.keys)) out[keptKey(key, out)] = shrink(value[key], limits, depth + 1);
    if (keys.length > limits.keys) out[keptKey('…', out)] = `${keys.length - limits.keys} more keys (${keys.length} keys)`;
    return out;
  }
  return value;
}

/** A key as a summary names it: cut, reserved names bracketed, never one already used. */
function keptKey(key: string, taken: Record<string, unknown>): string {
  let kept = cutText(key, KEY_MAX_CHARS);
  if (RESERVED_KEYS.includes(kept)) kept = `[${kept}]`;
  let unique = kept;
  for (let n = 2; Object.hasOwn(taken, unique); n++) unique = `${kept} #${n}`;
  return unique;
}

/** Whether a reserved key appears at any depth: a record must never hold one (the CLI refuses it). */
function hasReservedKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasReservedKey);
  if (!isObject(value)) return false;
  return Object.keys(value).some((key) => RESERVED_KEYS.includes(key) || hasReservedKey(value[key]));
}
