import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ensureStateBucket, s3ObjectStore, type ObjectStore } from '../../src/aws/state-store.ts';
import { ensureKeyAlias } from '../../src/aws/kms.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { MOTO_ENDPOINT, uniqueName, useMoto } from '../helpers/moto.ts';

function isCode(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof FutuswarmError, `expected a FutuswarmError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

describe('S3 state store (moto)', () => {
  const bucket = uniqueName('fs-store');
  let store: ObjectStore;
  let keyArn: string;

  before(async () => {
    useMoto();
    await fetch(`${MOTO_ENDPOINT}/moto-api/`).catch(() => {
      throw new Error(`moto is not running at ${MOTO_ENDPOINT}; start it: moto_server -H 127.0.0.1 -p 5055`);
    });
    keyArn = (await ensureKeyAlias(`alias/${uniqueName('fs-store')}`)).arn;
    store = s3ObjectStore(bucket);
  });

  it('ensureStateBucket creates a versioned, encrypted, private bucket, and is idempotent', async () => {
    assert.deepEqual(await ensureStateBucket(bucket, { kmsKeyId: keyArn, tags: { 'futuswarm:cluster': 'test' } }), { created: true });
    assert.deepEqual(await ensureStateBucket(bucket, { kmsKeyId: keyArn }), { created: false });

    const s3 = new S3Client({ forcePathStyle: true });
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status, 'Enabled');
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.deepEqual(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault, {
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: keyArn,
    });
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    assert.deepEqual(block.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
  });

  it('creates with If-None-Match: a second create is a conflict', async () => {
    const first = await store.put('t/create', 'one', { ifNoneMatch: '*' });
    assert.ok(first.etag && first.versionId);
    await assert.rejects(store.put('t/create', 'two', { ifNoneMatch: '*' }), isCode('conflict'));
    assert.equal((await store.get('t/create'))?.body.toString(), 'one');
  });

  it('replaces with If-Match: a stale ETag is a conflict, also after a delete', async () => {
    const v1 = await store.put('t/replace', 'one', { ifNoneMatch: '*' });
    const v2 = await store.put('t/replace', 'two', { ifMatch: v1.etag });
    await assert.rejects(store.put('t/replace', 'three', { ifMatch: v1.etag }), isCode('conflict'));
    const current = await store.get('t/replace');
    assert.equal(current?.body.toString(), 'two');
    assert.equal(current?.etag, v2.etag);
    assert.equal(current?.versionId, v2.versionId);

    await store.delete('t/replace', { ifMatch: v2.etag });
    assert.equal(await store.get('t/replace'), undefined);
    await assert.rejects(store.put('t/replace', 'four', { ifMatch: v2.etag }), isCode('conflict'));
    // A delete marker does not block a new create.
    await store.put('t/replace', 'five', { ifNoneMatch: '*' });
  });

  it('of concurrent conditional writes exactly one wins', async () => {
    const base = await store.put('t/race', 'base', { ifNoneMatch: '*' });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => store.put('t/race', `w${i}`, { ifMatch: base.etag })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') isCode('conflict')(r.reason);
  });

  it('deletes with If-Match only the version that was read', async () => {
    const v1 = await store.put('t/delete', 'one', { ifNoneMatch: '*' });
    await store.put('t/delete', 'two', { ifMatch: v1.etag });
    await assert.rejects(store.delete('t/delete', { ifMatch: v1.etag }), isCode('conflict'));
    assert.equal((await store.get('t/delete'))?.body.toString(), 'two');
  });

  it('reads old versions and lists them newest first, with delete markers', async () => {
    const v1 = await store.put('t/versions', 'one', { ifNoneMatch: '*' });
    const v2 = await store.put('t/versions', 'two', { ifMatch: v1.etag });
    await store.put('t/versions-other', 'x', { ifNoneMatch: '*' });
    assert.equal((await store.get('t/versions', { versionId: v1.versionId }))?.body.toString(), 'one');

    const versions = await store.versions('t/versions');
    assert.deepEqual(
      versions.map((v) => [v.versionId, v.isLatest, v.deleteMarker]),
      [
        [v2.versionId, true, false],
        [v1.versionId, false, false],
      ],
    );
    await store.delete('t/versions');
    const after = await store.versions('t/versions');
    assert.equal(after.length, 3);
    assert.equal(after[0]?.deleteMarker, true);
    assert.equal(after[0]?.isLatest, true);
    assert.equal(await store.get('t/versions'), undefined);
    assert.equal(await store.get('t/versions', { versionId: after[0]!.versionId }), undefined, 'a delete marker reads as absent');
    assert.equal((await store.get('t/versions', { versionId: v2.versionId }))?.body.toString(), 'two');

    const all = await store.versions('t/versions', { prefix: true });
    assert.ok(all.some((v) => v.key === 't/versions-other'));
    await store.delete('t/versions', { versionId: v1.versionId });
    assert.equal(await store.get('t/versions', { versionId: v1.versionId }), undefined);
  });

  it('answers undefined for missing objects and versions', async () => {
    assert.equal(await store.get('t/missing'), undefined);
    const v = await store.put('t/present', 'x', { ifNoneMatch: '*' });
    assert.equal(await store.get('t/present', { versionId: 'no-such-version' }), undefined);
    assert.ok(v.versionId);
  });

  it('lists in key order, from a start key, across pages', async () => {
    const paged = s3ObjectStore(bucket, { pageSize: 2 });
    const keys = ['p/a', 'p/b', 'p/c', 'p/d', 'p/e'];
    for (const k of keys) await paged.put(k, '', { ifNoneMatch: '*' });
    assert.deepEqual((await paged.list('p/')).map((o) => o.key), keys);
    assert.deepEqual((await paged.list('p/', { startAfter: 'p/b' })).map((o) => o.key), ['p/c', 'p/d', 'p/e']);
  });

  it('lists versions across pages', async () => {
    const paged = s3ObjectStore(bucket, { pageSize: 2 });
    let etag = (await paged.put('pv/k', '0', { ifNoneMatch: '*' })).etag;
    for (let i = 1; i < 5; i++) etag = (await paged.put('pv/k', String(i), { ifMatch: etag })).etag;
    await paged.put('pv/l', 'x', { ifNoneMatch: '*' });
    const versions = await paged.versions('pv/k');
    assert.equal(versions.length, 5);
    assert.equal(new Set(versions.map((v) => v.versionId)).size, 5);
    assert.deepEqual(
      await Promise.all(versions.map(async (v) => (await paged.get('pv/k', { versionId: v.versionId }))?.body.toString())),
      ['4', '3', '2', '1', '0'],
    );
    assert.equal((await paged.versions('pv/', { prefix: true })).length, 6);
  });

  it('names a missing bucket as a config problem', async () => {
    const missing = s3ObjectStore(uniqueName('fs-missing'));
    await assert.rejects(missing.put('k', 'v', { ifNoneMatch: '*' }), isCode('config'));
    await assert.rejects(missing.list(''), isCode('config'));
  });
});
