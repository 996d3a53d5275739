/** App records (app:create) on a real versioned S3 bucket in moto: create once, list, update, purge. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureStateBucket, s3ObjectStore, type ObjectStore } from '../../src/aws/state-store.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { AppRecords } from '../../src/state/app-records.ts';
import { stateKeys } from '../../src/state/keys.ts';
import { MOTO_ENDPOINT, uniqueName, useMoto } from '../helpers/moto.ts';

describe('AppRecords on S3 (moto)', () => {
  const bucket = uniqueName('fs-records');
  let store: ObjectStore;
  let records: AppRecords;
  const now = new Date('2026-01-02T03:04:05.000Z');

  before(async () => {
    useMoto();
    await fetch(`${MOTO_ENDPOINT}/moto-api/`).catch(() => {
      throw new Error(`moto is not running at ${MOTO_ENDPOINT}; start it: moto_server -H 127.0.0.1 -p 5055`);
    });
    await ensureStateBucket(bucket);
    store = s3ObjectStore(bucket);
    records = new AppRecords(store, () => now);
  });

  it('of two people creating one name at once, exactly one creates it; the other sees the winner', async () => {
    const [a, b] = await Promise.all([records.create('shop', 'alice'), records.create('shop', 'bob')]);
    assert.deepEqual([a.created, b.created].sort(), [false, true]);
    const winner = a.created ? 'alice' : 'bob';
    assert.deepEqual(a.record, { app: 'shop', createdBy: winner, createdAt: now.toISOString(), domains: [] });
    assert.deepEqual(b.record, a.record);
  });

  it('lists every record in name order with one listing, and updates only the version it read', async () => {
    await records.create('blog', 'carol');
    assert.deepEqual((await records.list()).map((r) => r.app), ['blog', 'shop']);
    assert.deepEqual(await records.names(), ['blog', 'shop']);
    assert.deepEqual((await records.list(['shop'])).map((r) => r.app), ['shop']);
    const read = await records.get('blog');
    assert.ok(read);
    await records.update('blog', read.etag, { ...read.record, domains: ['blog.example.com'] });
    assert.deepEqual((await records.get('blog'))?.record.domains, ['blog.example.com']);
    await assert.rejects(records.update('blog', read.etag, { ...read.record, domains: [] }), (e: unknown) => e instanceof FutuswarmError && e.code === 'conflict');
    await assert.rejects(records.update('blog', read.etag, { ...read.record, domains: ['not a domain'] }), (e: unknown) => e instanceof FutuswarmError && /domains/.test(e.message));
  });

  it('purge deletes every version, so the name is free again', async () => {
    await records.purge('blog');
    assert.equal(await records.get('blog'), undefined);
    assert.deepEqual(await store.versions(stateKeys.appRecord('blog')), []);
    assert.equal((await records.create('blog', 'dave')).created, true);
  });

  it('refuses a name that is not an app name before touching the bucket', async () => {
    await assert.rejects(records.get('../etc'), (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input');
  });
});
