import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FutuswarmError } from '../../src/core/errors.ts';
import { cacheFilePath, lookupThroughCache, type KeyOwner } from '../../src/agent/key-cache.ts';
import type { KeyCacheConfig } from '../../src/config/ldap-config.ts';
import { newSshKey } from '../helpers/ssh-key.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const ALICE: KeyOwner = { uid: 'alice', groups: ['developers'] };

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'futuswarm-key-cache-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
function setup(overrides: Partial<KeyCacheConfig> = {}) {
  const config: KeyCacheConfig = { dir: join(root, `c${n++}`, 'keys'), ttlSeconds: 300, maxStaleSeconds: 3600, ...overrides };
  const key = newSshKey();
  const clock = { now: T0 };
  const logged: string[] = [];
  const calls = { count: 0 };
  const lookup = (fetch: () => Promise<KeyOwner | undefined>) =>
    lookupThroughCache(config, key, async () => {
      calls.count++;
      return fetch();
    }, { now: () => clock.now, log: (line) => logged.push(line) });
  return { config, key, clock, logged, calls, lookup, file: cacheFilePath(config, key.type, key.base64) };
}

const found = (owner: KeyOwner) => async () => owner;
const notFound = async () => undefined;
const down = async (): Promise<never> => {
  throw new FutuswarmError('unavailable', 'LDAP ldap://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1');
};

describe('key cache', () => {
  it('stores a positive answer privately: dir 0700, file 0600, named by the key hash', async () => {
    const t = setup();
    assert.deepEqual(await t.lookup(found(ALICE)), ALICE);
    assert.equal((await stat(t.config.dir)).mode & 0o777, 0o700);
    assert.equal((await stat(t.file)).mode & 0o777, 0o600);
    assert.match(t.file, /\/[0-9a-f]{64}\.json$/);
    assert.deepEqual(JSON.parse(await readFile(t.file, 'utf8')), { uid: 'alice', groups: ['developers'], fetchedAt: '2030-01-01T00:00:00.000Z' });
    assert.deepEqual(await readdir(t.config.dir), [t.file.split('/').pop()]);
  });

  it('serves a fresh answer without asking LDAP', async () => {
    const t = setup();
    await t.lookup(found(ALICE));
    t.clock.now += 299_000;
    assert.deepEqual(await t.lookup(notFound), ALICE);
    assert.equal(t.calls.count, 1);
  });

  it('asks LDAP once the ttl is over, and refreshes the entry', async () => {
    const t = setup();
    await t.lookup(found(ALICE));
    t.clock.now += 300_000;
    const renamed = { uid: 'alice2', groups: [] };
    assert.deepEqual(await t.lookup(found(renamed)), renamed);
    assert.equal(t.calls.count, 2);
    assert.equal(JSON.parse(await readFile(t.file, 'utf8')).fetchedAt, new Date(t.clock.now).toISOString());
  });

  it('forgets a key LDAP no longer lists once the ttl is over (revocation)', async () => {
    const t = setup();
    await t.lookup(found(ALICE));
    t.clock.now += 301_000;
    assert.equal(await t.lookup(notFound), undefined);
    await assert.rejects(stat(t.file), { code: 'ENOENT' });
    // Even with LDAP down afterwards, nothing is left to serve.
    await assert.rejects(t.lookup(down), { code: 'unavailable' });
  });

  it('never caches "not found"', async () => {
    const t = setup();
    assert.equal(await t.lookup(notFound), undefined);
    assert.deepEqual(await readdir(t.config.dir), []);
    // The key added to LDAP a second later works at once.
    t.clock.now += 1000;
    assert.deepEqual(await t.lookup(found(ALICE)), ALICE);
  });

  it('serves a stale answer while LDAP is unreachable, within maxStale, and says so', async () => {
    const t = setup();
    await t.lookup(found(ALICE));
    t.clock.now += 3_600_000;
    assert.deepEqual(await t.lookup(down), ALICE);
    assert.equal(t.logged.length, 1);
    assert.match(t.logged[0]!, /^LDAP ldap:\/\/127\.0\.0\.1:1: connect ECONNREFUSED .*; serving the cached answer for alice \(ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}\) from 60m ago$/);
  });

  it('refuses a stale answer beyond maxStale', async () => {
    const t = setup();
    await t.lookup(found(ALICE));
    t.clock.now += 3_601_000;
    await assert.rejects(t.lookup(down), { code: 'unavailable' });
    assert.match(t.logged.at(-1)!, /cached answer for alice .* is 60m old, beyond keyCache\.maxStaleSeconds \(3600\): refused$/);
  });

  it('with ttl 0 always asks, and still has the answer for an outage', async () => {
    const t = setup({ ttlSeconds: 0 });
    await t.lookup(found(ALICE));
    await t.lookup(found(ALICE));
    assert.equal(t.calls.count, 2);
    assert.deepEqual(await t.lookup(down), ALICE);
  });

  it('passes on errors that are not an outage without serving the cache', async () => {
    const t = setup({ ttlSeconds: 0 });
    await t.lookup(found(ALICE));
    await assert.rejects(
      t.lookup(async () => {
        throw new FutuswarmError('conflict', 'the same SSH key is on 2 LDAP entries');
      }),
      { code: 'conflict' },
    );
  });

  it('rejects an outage with nothing cached', async () => {
    const t = setup();
    await assert.rejects(t.lookup(down), { code: 'unavailable' });
    assert.deepEqual(t.logged, []);
  });

  it('removes a corrupt entry and asks LDAP', async () => {
    const t = setup();
    await t.lookup(found(ALICE));
    await writeFile(t.file, '{"uid":"alice"', { mode: 0o600 });
    t.clock.now += 1000;
    assert.deepEqual(await t.lookup(notFound), undefined);
    assert.equal(t.calls.count, 2);
    assert.match(t.logged[0]!, /is corrupt .*removed$/);
  });

  it('does not trust an entry with an invalid user name in it', async () => {
    const t = setup();
    await t.lookup(found(ALICE));
    await writeFile(t.file, JSON.stringify({ uid: 'alice" x', groups: [], fetchedAt: new Date(T0).toISOString() }));
    await assert.rejects(t.lookup(down), { code: 'unavailable' });
  });

  it('does not trust a directory others may write: bypassed, and said so', async () => {
    const t = setup();
    await t.lookup(found(ALICE));
    await chmod(t.config.dir, 0o777);
    t.clock.now += 1000;
    await assert.rejects(t.lookup(down), { code: 'unavailable' });
    assert.match(t.logged[0]!, /is writable by group or others \(mode 777\).*answers are not cached/);
    // Answers still come from LDAP, just without a cache.
    assert.deepEqual(await t.lookup(found(ALICE)), ALICE);
    assert.equal(t.calls.count, 3);
  });

  it('closes a directory others may only read', async () => {
    const t = setup();
    await mkdir(t.config.dir, { recursive: true, mode: 0o755 });
    await chmod(t.config.dir, 0o755);
    await t.lookup(found(ALICE));
    assert.equal((await stat(t.config.dir)).mode & 0o777, 0o700);
  });

  it('does not trust entries another user owns', { skip: process.geteuid?.() !== 0 && 'needs root to chown' }, async () => {
    const t = setup();
    await t.lookup(found(ALICE));
    await chown(t.file, 65534, 65534);
    t.clock.now += 1000;
    await assert.rejects(t.lookup(down), { code: 'unavailable' });
    assert.match(t.logged[0]!, /is not a private file of this user; ignored$/);
  });

  it('does not follow a symlink planted as an entry', async () => {
    const t = setup();
    const elsewhere = join(root, `planted-${n}.json`);
    await writeFile(elsewhere, JSON.stringify({ uid: 'mallory', groups: [], fetchedAt: new Date(T0).toISOString() }), { mode: 0o600 });
    await mkdir(t.config.dir, { recursive: true, mode: 0o700 });
    const { symlink } = await import('node:fs/promises');
    await symlink(elsewhere, t.file);
    await assert.rejects(t.lookup(down), { code: 'unavailable' });
  });
});
