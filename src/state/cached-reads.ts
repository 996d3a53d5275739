/**
 * Reads of the state bucket that the resident agent keeps for a few seconds, so that read-only
 * ops (app:list, app:inspect, app:releases, …) answer from Docker and memory instead of waiting
 * for S3, which takes longer than Docker on every read.
 *
 * Two views of one store share the cache:
 * - `fresh` always asks S3; what it reads refreshes the cache. Mutating ops and periodic work use
 *   it, so every decision that leads to a write (conditional puts, locks, the leader's lease)
 *   rests on what S3 says now.
 * - `cached` answers a read of a cacheable key from a copy younger than `ttlMs`. Read-only ops
 *   use it.
 * Every write or delete through either view forgets the key and the listings that hold it, so
 * this agent sees its own changes at once; another manager's are seen within `ttlMs`.
 * What is cacheable is decided by `cacheable` (src/state/keys.ts): never locks or leases, which
 * decide who holds what. Deciding who may act reads through `fresh` (src/agent/acl.ts).
 */
import type { ObjectStore, ObjectSummary, StoredObject } from '../aws/state-store.ts';

export interface CachedReadsOptions {
  ttlMs: number;
  cacheable(key: string): boolean;
  now?: () => number;
}

export interface CachedReads {
  readonly fresh: ObjectStore;
  readonly cached: ObjectStore;
}

interface Entry<T> {
  value: T;
  at: number;
}

export function cachedReads(store: ObjectStore, options: CachedReadsOptions): CachedReads {
  const now = options.now ?? Date.now;
  const objects = new Map<string, Entry<StoredObject | undefined>>();
  const listings = new Map<string, Entry<ObjectSummary[]>>();

  const forget = (key: string): void => {
    objects.delete(key);
    for (const prefix of listings.keys()) if (key.startsWith(prefix)) listings.delete(prefix);
  };
  const young = <T>(entry: Entry<T> | undefined): entry is Entry<T> => entry !== undefined && now() - entry.at < options.ttlMs;

  // A read that started before a write must not put back what the write replaced.
  let writes = 0;
  const remember = <T>(cache: Map<string, Entry<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    const seen = writes;
    const at = now();
    return read().then((value) => {
      if (options.cacheable(key) && writes === seen) {
        // Stale copies go once there are many: one per app and concern, of apps that were read.
        if (cache.size >= 1000) for (const [k, entry] of cache) if (!young(entry)) cache.delete(k);
        cache.set(key, { value, at });
      }
      return value;
    });
  };

  /** A write or delete: the key and its listings are forgotten before it starts and after it ends. */
  const writing = async <T>(key: string, write: () => Promise<T>): Promise<T> => {
    writes++;
    forget(key);
    try {
      return await write();
    } finally {
      writes++;
      forget(key);
    }
  };

  const fresh: ObjectStore = {
    get: (key, o) => (o?.versionId !== undefined ? store.get(key, o) : remember(objects, key, () => store.get(key))),
    list: (prefix, o) => (o?.startAfter !== undefined ? store.list(prefix, o) : remember(listings, prefix, () => store.list(prefix))),
    versions: (key, o) => store.versions(key, o),
    put: (key, body, o) => writing(key, () => store.put(key, body, o)),
    delete: (key, o) => writing(key, () => store.delete(key, o)),
  };

  const cached: ObjectStore = {
    ...fresh,
    get: (key, o) => {
      const entry = objects.get(key);
      return o?.versionId === undefined && young(entry) ? Promise.resolve(entry.value) : fresh.get(key, o);
    },
    list: (prefix, o) => {
      const entry = listings.get(prefix);
      // A copy: the caller may sort or change what it gets.
      return o?.startAfter === undefined && young(entry) ? Promise.resolve([...entry.value]) : fresh.list(prefix, o);
    },
  };
  return { fresh, cached };
}
