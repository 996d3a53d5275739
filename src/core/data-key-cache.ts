/**
 * KMS answers kept for a short while by the resident agent: a data key that KMS decrypted for
 * an (encrypted key, encryption context) pair is not asked for again within `ttlMs`, so reading
 * an app's secrets twice in a minute costs one KMS call. Only pairs KMS accepted are kept, so a
 * changed context still goes to KMS (and fails there). New data keys are never reused: every
 * write still gets its own. Plaintext keys live in the daemon's memory only, never on disk.
 */
import type { KeyContext, KeyService } from './envelope.ts';

export interface DataKeyCacheOptions {
  ttlMs: number;
  /** The oldest entries go first beyond this many. */
  maxEntries?: number;
  now?: () => number;
}

export function cachingKeyService(inner: KeyService, options: DataKeyCacheOptions): KeyService {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 1000;
  const entries = new Map<string, { key: Uint8Array; until: number }>();
  const id = (encrypted: Uint8Array, context: KeyContext): string =>
    `${Buffer.from(encrypted).toString('base64')} ${JSON.stringify(Object.entries(context).sort(([a], [b]) => a.localeCompare(b)))}`;
  return {
    generateDataKey: (context) => inner.generateDataKey(context),
    async decryptDataKey(encrypted, context) {
      const key = id(encrypted, context);
      const hit = entries.get(key);
      if (hit && hit.until > now()) return Uint8Array.from(hit.key);
      entries.delete(key);
      const plain = await inner.decryptDataKey(encrypted, context);
      entries.set(key, { key: Uint8Array.from(plain), until: now() + options.ttlMs });
      for (const oldest of entries.keys()) {
        if (entries.size <= max) break;
        entries.delete(oldest);
      }
      return plain;
    },
  };
}
