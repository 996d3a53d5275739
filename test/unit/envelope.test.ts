import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  canonicalJson,
  openEnvelope,
  openWith,
  parseEnvelope,
  sealEnvelope,
  sealWith,
  type DataKey,
  type KeyContext,
  type KeyService,
  type SealedEnvelope,
} from '../../src/core/envelope.ts';
import { FutuswarmError } from '../../src/core/errors.ts';

function dataKey(): DataKey {
  return { plaintext: randomBytes(32), encrypted: randomBytes(64) };
}

const meta = { user: 'alice', time: '2025-01-02T03:04:05.000Z', set: ['DATABASE_URL'], unset: [] };
const secretText = 'postgres://shop:hunter2@db.internal/shop';

function roundTripThroughJson(envelope: SealedEnvelope): SealedEnvelope {
  return parseEnvelope(Buffer.from(JSON.stringify(envelope)));
}

function assertCode(code: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof FutuswarmError, `expected a FutuswarmError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

describe('envelope', () => {
  it('seals and opens a string and binary data, through JSON', () => {
    const key = dataKey();
    const sealed = roundTripThroughJson(sealEnvelope({ plaintext: secretText, dataKey: key, meta }));
    assert.equal(openEnvelope(sealed, key.plaintext).toString('utf8'), secretText);
    assert.deepEqual(sealed.meta, meta);
    assert.equal(sealed.v, 1);
    assert.equal(sealed.alg, 'AES-256-GCM');
    assert.equal(Buffer.from(sealed.encryptedKey, 'base64').toString('hex'), Buffer.from(key.encrypted).toString('hex'));

    const binary = randomBytes(1000);
    const sealedBinary = roundTripThroughJson(sealEnvelope({ plaintext: binary, dataKey: key, meta: {} }));
    assert.deepEqual(openEnvelope(sealedBinary, key.plaintext), binary);
  });

  it('keeps the plaintext out of the stored form', () => {
    const stored = JSON.stringify(sealEnvelope({ plaintext: secretText, dataKey: dataKey(), meta }));
    assert.ok(!stored.includes('hunter2'));
    assert.ok(!stored.includes(Buffer.from(secretText).toString('base64')));
  });

  it('uses a fresh IV every time', () => {
    const key = dataKey();
    const ivs = new Set(Array.from({ length: 50 }, () => sealEnvelope({ plaintext: 'x', dataKey: key, meta }).iv));
    assert.equal(ivs.size, 50);
  });

  it('binds the clear-text meta: changing it breaks the seal', () => {
    const key = dataKey();
    const sealed = sealEnvelope({ plaintext: secretText, dataKey: key, meta });
    for (const changed of [
      { ...meta, user: 'mallory' },
      { ...meta, set: [] },
      { ...meta, extra: true },
    ]) {
      assert.throws(() => openEnvelope({ ...sealed, meta: changed }, key.plaintext), assertCode('protocol', /integrity/));
    }
  });

  it('accepts the meta with its keys in another order (canonical AAD)', () => {
    const key = dataKey();
    const sealed = sealEnvelope({ plaintext: 'x', dataKey: key, meta });
    const reordered = { unset: meta.unset, set: meta.set, time: meta.time, user: meta.user };
    assert.equal(openEnvelope({ ...sealed, meta: reordered }, key.plaintext).toString(), 'x');
  });

  it('detects altered ciphertext, tag or IV, and a wrong key', () => {
    const key = dataKey();
    const sealed = sealEnvelope({ plaintext: secretText, dataKey: key, meta });
    const flip = (b64: string): string => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64');
    };
    for (const altered of [
      { ...sealed, ciphertext: flip(sealed.ciphertext) },
      { ...sealed, tag: flip(sealed.tag) },
      { ...sealed, iv: flip(sealed.iv) },
    ]) {
      assert.throws(() => openEnvelope(altered, key.plaintext), assertCode('protocol'));
    }
    assert.throws(() => openEnvelope(sealed, randomBytes(32)), assertCode('protocol'));
  });

  it('rejects data keys that are not 32 bytes', () => {
    assert.throws(
      () => sealEnvelope({ plaintext: 'x', dataKey: { plaintext: randomBytes(16), encrypted: randomBytes(8) }, meta }),
      assertCode('internal'),
    );
  });

  it('rejects what is not an envelope, with the name of the object', () => {
    assert.throws(() => parseEnvelope('nope', 'secrets of shop'), assertCode('protocol', /^secrets of shop: not JSON/));
    assert.throws(() => parseEnvelope({ v: 1 }, 'secrets of shop'), assertCode('protocol', /not a valid envelope/));
    const sealed = sealEnvelope({ plaintext: 'x', dataKey: dataKey(), meta });
    assert.throws(() => parseEnvelope({ ...sealed, iv: Buffer.alloc(4).toString('base64') }), assertCode('protocol', /IV or tag/));
    assert.throws(
      () => parseEnvelope({ ...sealed, v: 2 }),
      (e: unknown) => e instanceof FutuswarmError && /format 2/.test(e.message) && /upgrade/.test(e.hint ?? ''),
    );
  });

  it('canonicalJson sorts keys at every level and drops undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
    assert.equal(canonicalJson('x'), '"x"');
  });
});

describe('sealWith / openWith', () => {
  // A key service double: the port is the boundary, so this stands in for KMS.
  function fakeKeyService() {
    const issued: Uint8Array[] = [];
    const keys = new Map<string, { plaintext: Buffer; context: string }>();
    const service: KeyService = {
      async generateDataKey(context: KeyContext) {
        const plaintext = randomBytes(32);
        const encrypted = randomBytes(48);
        keys.set(encrypted.toString('hex'), { plaintext: Buffer.from(plaintext), context: canonicalJson(context) });
        issued.push(plaintext);
        return { plaintext, encrypted };
      },
      async decryptDataKey(encrypted: Uint8Array, context: KeyContext) {
        const entry = keys.get(Buffer.from(encrypted).toString('hex'));
        if (!entry || entry.context !== canonicalJson(context)) throw new FutuswarmError('forbidden', 'wrong context');
        return Buffer.from(entry.plaintext);
      },
    };
    return { service, issued };
  }

  it('round-trips and zeroes the plaintext data key after sealing', async () => {
    const { service, issued } = fakeKeyService();
    const context = { cluster: 'c1', app: 'shop' };
    const sealed = await sealWith(service, context, secretText, meta);
    assert.ok(issued[0]!.every((b) => b === 0), 'data key not zeroed');
    assert.equal((await openWith(service, context, sealed)).toString(), secretText);
    await assert.rejects(openWith(service, { cluster: 'c1', app: 'other' }, sealed), assertCode('forbidden'));
  });
});
