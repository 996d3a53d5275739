import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { decrypt, ensureKeyAlias, generateDataKey, kmsKeyService } from '../../src/aws/kms.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { MOTO_ENDPOINT, uniqueName, useMoto } from '../helpers/moto.ts';

describe('KMS adapter (moto)', () => {
  const alias = `alias/${uniqueName('fs-kms')}`;

  before(async () => {
    useMoto();
    await fetch(`${MOTO_ENDPOINT}/moto-api/`).catch(() => {
      throw new Error(`moto is not running at ${MOTO_ENDPOINT}; start it: moto_server -H 127.0.0.1 -p 5055`);
    });
  });

  it('ensureKeyAlias creates the key once, also when called concurrently', async () => {
    const results = await Promise.all([ensureKeyAlias(alias), ensureKeyAlias(alias), ensureKeyAlias(alias)]);
    assert.equal(new Set(results.map((r) => r.keyId)).size, 1);
    const again = await ensureKeyAlias(alias);
    assert.equal(again.created, false);
    assert.equal(again.keyId, results[0]!.keyId);
  });

  it('refuses names that are not aliases', async () => {
    await assert.rejects(ensureKeyAlias('futuswarm'), (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input');
    await assert.rejects(ensureKeyAlias('alias/aws/s3'), (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input');
  });

  it('generates a data key and decrypts it only under the same context', async () => {
    const context = { cluster: 'c1', app: 'shop' };
    const key = await generateDataKey(alias, context);
    assert.equal(key.plaintext.byteLength, 32);
    assert.deepEqual(Buffer.from(await decrypt(key.encrypted, context)), Buffer.from(key.plaintext));
    assert.deepEqual(Buffer.from(await kmsKeyService(alias).decryptDataKey(key.encrypted, context)), Buffer.from(key.plaintext));

    await assert.rejects(decrypt(key.encrypted, { cluster: 'c1', app: 'blog' }), (e: unknown) => {
      assert.ok(e instanceof FutuswarmError);
      assert.equal(e.code, 'forbidden');
      assert.equal(
        e.message,
        "secrets of app blog cannot be decrypted with this app's key context (was the blob copied from another app?)",
      );
      return true;
    });
    await assert.rejects(decrypt(key.encrypted, { cluster: 'c2', app: 'shop' }), (e: unknown) => e instanceof FutuswarmError && e.code === 'forbidden');
  });

  it('names a missing key as a config problem', async () => {
    await assert.rejects(generateDataKey(`alias/${uniqueName('fs-none')}`, { cluster: 'c', app: 'a' }), (e: unknown) => {
      assert.ok(e instanceof FutuswarmError);
      assert.equal(e.code, 'config');
      assert.match(e.message, /does not exist/);
      return true;
    });
  });
});
