/**
 * The resident agent's short-lived state reads (src/state/cached-reads.ts) over a real bucket in
 * moto: what read-only ops get from memory, what they never do, and that this agent's writes
 * and another manager's (straight to S3) are seen when they must be.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureStateBucket, s3ObjectStore, type ObjectStore } from '../../src/aws/state-store.ts';
import { AppRecords } from '../../src/state/app-records.ts';
import { cachedReads, type CachedReads } from '../../src/state/cached-reads.ts';
import { readCacheable, stateKeys } from '../../src/state/keys.ts';
import { SettingsStore } from '../../src/state/settings.ts';
import { MOTO_ENDPOINT, uniqueName, useMoto } from '../helpers/moto.ts';

/** The real store, counting the requests that reach S3. */
function counted(store: ObjectStore): ObjectStore & { requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    get: (key, o) => (requests.push(`get ${key}`), store.get(key, o)),
    list: (prefix, o) => (requests.push(`list ${prefix}`), store.list(prefix, o)),
    versions: (key, o) => (requests.push(`versions ${key}`), store.versions(key, o)),
    put: (key, body, o) => (requests.push(`put ${key}`), store.put(key, body, o)),
    delete: (key, o) => (requests.push(`delete ${key}`), store.delete(key, o)),
  };
}

describe('cached state reads on S3 (moto)', () => {
  const bucket = uniqueName('fs-cached');
  let s3: ObjectStore;
  let clock = 0;
  let store: ReturnType<typeof counted>;
  let views: CachedReads;

  before(async () => {
    useMoto();
    await fetch(`${MOTO_ENDPOINT}/moto-api/`).catch(() => {
      throw new Error(`moto is not running at ${MOTO_ENDPOINT}; start it: moto_server -H 127.0.0.1 -p 5055`);
    });
    await ensureStateBucket(bucket);
    s3 = s3ObjectStore(bucket);
    store = counted(s3);
    views = cachedReads(store, { ttlMs: 2000, cacheable: readCacheable, now: () => clock });
  });

  it('keeps what app:list and app:inspect read, and never locks, leases or domains', () => {
    for (const key of [stateKeys.settings('shop'), stateKeys.secrets('shop'), stateKeys.releases('shop'), stateKeys.release('shop', 12), stateKeys.acl('shop'), 'app-records/', 'app-records/shop']) {
      assert.equal(readCacheable(key), true, key);
    }
    for (const key of [stateKeys.lock('shop'), stateKeys.leader, stateKeys.domain('shop.example.com'), stateKeys.node('10.0.0.5'), stateKeys.nodeKey, stateKeys.audit, 'apps/shop/settings/x', 'apps/shop/']) {
      assert.equal(readCacheable(key), false, key);
    }
  });

  it('a read-only op reads a setting from S3 once while it is young; the fresh view always asks', async () => {
    const settings = new SettingsStore(views.fresh);
    await settings.put('shop', { port: 8000 }, undefined);
    store.requests.length = 0;
    const cached = new SettingsStore(views.cached);
    assert.equal((await cached.get('shop'))?.settings.port, 8000);
    assert.equal((await cached.get('shop'))?.settings.port, 8000);
    assert.deepEqual(store.requests, ['get apps/shop/settings']);
    await settings.get('shop');
    await settings.get('shop');
    assert.equal(store.requests.length, 3);
  });

  it("this agent's write is seen at once; another manager's when the copy is older than the time", async () => {
    const settings = new SettingsStore(views.fresh);
    const cached = new SettingsStore(views.cached);
    const read = await cached.get('shop');
    await settings.put('shop', { port: 9000 }, read?.etag);
    assert.equal((await cached.get('shop'))?.settings.port, 9000);
    // Another manager writes straight to S3: the copy answers until it is 2 s old.
    const current = await new SettingsStore(s3).get('shop');
    await new SettingsStore(s3).put('shop', { port: 9100 }, current?.etag);
    clock += 1999;
    assert.equal((await cached.get('shop'))?.settings.port, 9000);
    clock += 1;
    assert.equal((await cached.get('shop'))?.settings.port, 9100);
  });

  it('a listing is kept, handed out as a copy, and forgotten when this agent writes under it', async () => {
    const records = new AppRecords(views.fresh);
    const cached = new AppRecords(views.cached);
    await records.create('blog', 'alice');
    store.requests.length = 0;
    assert.deepEqual(await cached.names(), ['blog']);
    (await views.cached.list('app-records/')).reverse().pop();
    assert.deepEqual(await cached.names(), ['blog']);
    assert.deepEqual(store.requests, ['list app-records/']);
    await records.create('wiki', 'bob');
    assert.deepEqual(await cached.names(), ['blog', 'wiki']);
  });

  it('a read that started before a write does not put back what the write replaced', async () => {
    const settings = new SettingsStore(views.fresh);
    const cached = new SettingsStore(views.cached);
    clock += 5000;
    const before = await settings.get('shop');
    const racing = cached.get('shop'); // asks S3: the copy is old
    await settings.put('shop', { port: 9200 }, before?.etag);
    await racing;
    assert.equal((await cached.get('shop'))?.settings.port, 9200);
  });

  it('a lock is read from S3 every time, also by a read-only op', async () => {
    await views.fresh.put(stateKeys.lock('shop'), '{}', { ifNoneMatch: '*' });
    store.requests.length = 0;
    await views.cached.get(stateKeys.lock('shop'));
    await views.cached.get(stateKeys.lock('shop'));
    assert.deepEqual(store.requests, ['get apps/shop/lock', 'get apps/shop/lock']);
  });
});
