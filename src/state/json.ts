/**
 * What every concern of the state bucket shares: JSON objects written conditionally, read back
 * with their ETag, and a bounded fan-out for reading many of them.
 */
import * as z from 'zod';
import type { ObjectStore, PutCondition, StoredObject, WriteResult } from '../aws/state-store.ts';
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { appName, userName } from '../core/names.ts';

export const isoTime = z.iso.datetime();
export const jsonObject = z.record(z.string(), z.unknown());

/** A conditional write lost to another writer (If-Match / If-None-Match failed). */
export const isConflict = (e: unknown): boolean => isFutuswarmError(e) && e.code === 'conflict';

export function putJson(store: ObjectStore, key: string, value: unknown, condition: PutCondition): Promise<WriteResult> {
  return store.put(key, JSON.stringify(value), { ...condition, contentType: 'application/json' });
}

export function parseJson(object: StoredObject, what: string): unknown {
  try {
    return JSON.parse(object.body.toString('utf8'));
  } catch {
    throw new FutuswarmError('protocol', `${what}: stored object is not JSON`);
  }
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** An app name as stored, checked before it becomes part of a key. */
export const checkApp = (app: string): string => parseWith(appName, app, 'app');
export const checkUser = (user: string, what = 'user'): string => parseWith(userName, user, what);

/** One concern of the state bucket: its store and its clock (injected for tests of expiry). */
export abstract class StateConcern {
  protected readonly store: ObjectStore;
  protected readonly now: () => Date;

  constructor(store: ObjectStore, now: () => Date = () => new Date()) {
    this.store = store;
    this.now = now;
  }
}
