import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachingKeyService } from '../../src/core/data-key-cache.ts';
import type { KeyService } from '../../src/core/envelope.ts';

function countingKms(): KeyService & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async generateDataKey() {
      calls.push('generate');
      return { plaintext: new Uint8Array(32).fill(calls.length), encrypted: new Uint8Array([calls.length]) };
    },
    async decryptDataKey(encrypted, context) {
      calls.push(`decrypt ${encrypted[0]} ${context.app}`);
      if (context.app === 'other') throw new Error('context mismatch');
      return new Uint8Array(32).fill(encrypted[0]!);
    },
  } as KeyService & { calls: string[] };
}

test('a data key KMS decrypted is reused for the same encrypted key and context within the TTL, then asked again', async () => {
  let t = 0;
  const kms = countingKms();
  const cached = cachingKeyService(kms, { ttlMs: 1000, now: () => t });
  const ctx = { cluster: 'c', app: 'shop' };
  const a = await cached.decryptDataKey(new Uint8Array([7]), ctx);
  a.fill(0); // a caller that wipes its copy does not wipe the cache's
  assert.deepEqual(await cached.decryptDataKey(new Uint8Array([7]), { app: 'shop', cluster: 'c' }), new Uint8Array(32).fill(7));
  assert.deepEqual(kms.calls, ['decrypt 7 shop']);
  t = 1001;
  await cached.decryptDataKey(new Uint8Array([7]), ctx);
  assert.deepEqual(kms.calls, ['decrypt 7 shop', 'decrypt 7 shop']);
});

test('another context or another key goes to KMS; refusals are not kept; new data keys are never reused', async () => {
  const kms = countingKms();
  const cached = cachingKeyService(kms, { ttlMs: 60_000, maxEntries: 2 });
  await cached.decryptDataKey(new Uint8Array([1]), { app: 'shop' });
  await assert.rejects(cached.decryptDataKey(new Uint8Array([1]), { app: 'other' }), /mismatch/);
  await assert.rejects(cached.decryptDataKey(new Uint8Array([1]), { app: 'other' }), /mismatch/);
  await cached.generateDataKey({ app: 'shop' });
  await cached.generateDataKey({ app: 'shop' });
  // Bounded: beyond two entries the oldest goes.
  await cached.decryptDataKey(new Uint8Array([2]), { app: 'shop' });
  await cached.decryptDataKey(new Uint8Array([3]), { app: 'shop' });
  await cached.decryptDataKey(new Uint8Array([1]), { app: 'shop' });
  assert.deepEqual(kms.calls, ['decrypt 1 shop', 'decrypt 1 other', 'decrypt 1 other', 'generate', 'generate', 'decrypt 2 shop', 'decrypt 3 shop', 'decrypt 1 shop']);
});
