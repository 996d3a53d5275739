import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cacheFilePath } from '../../src/agent/key-cache.ts';
import { isLdapAdmin, lookupKeyOwner, lookupUserGroups, renderAuthorizedKeyLine, type KeyLookupConfig } from '../../src/agent/key-lookup.ts';
import type { LdapConfig } from '../../src/config/ldap-config.ts';
import { AppState } from '../../src/agent/app-state.ts';
import { ensureKeyAlias, kmsKeyService } from '../../src/aws/kms.ts';
import { ensureStateBucket, s3ObjectStore } from '../../src/aws/state-store.ts';
import { uniqueName, useMoto } from '../helpers/moto.ts';
import { ADMINS_GROUP, BIND_PASSWORD_FILE, addPerson, closedPort, ensureLdap, ldapTestConfig, removeEntry, rigUserKey, setKeys, uniqueUid } from '../helpers/ldap.ts';
import { newSshKey } from '../helpers/ssh-key.ts';

let root: string;
let ldap: LdapConfig;
let downLdap: LdapConfig;
const cleanup: string[] = [];
const breakGlass = newSshKey('break-glass');

before(async () => {
  ldap = await ensureLdap();
  downLdap = ldapTestConfig({ url: `ldap://127.0.0.1:${await closedPort()}` });
  root = await mkdtemp(join(tmpdir(), 'futuswarm-key-lookup-'));
  await writeFile(join(root, 'users.yaml'), `users:\n  root-admin:\n    keys:\n      - ${breakGlass.line}\n    groups: [${ADMINS_GROUP}]\n`);
});
after(async () => {
  for (const dn of cleanup.reverse()) await removeEntry(dn);
  await rm(root, { recursive: true, force: true });
});

let n = 0;
/** A config with its own cache directory; `ldap: undefined` for a users-file-only cluster. */
function config(overrides: Partial<KeyLookupConfig> & { ttlSeconds?: number; maxStaleSeconds?: number } = {}): KeyLookupConfig {
  const { ttlSeconds = 300, maxStaleSeconds = 86400, ...rest } = overrides;
  return {
    usersFile: join(root, 'users.yaml'),
    ldap,
    keyCache: { dir: join(root, `cache-${n++}`), ttlSeconds, maxStaleSeconds },
    ...rest,
  };
}

function quiet() {
  const logged: string[] = [];
  return { logged, log: (line: string) => logged.push(line) };
}

describe('lookupKeyOwner', () => {
  it('finds alice by her key and caches the answer', async () => {
    const c = config();
    const key = rigUserKey('alice');
    assert.deepEqual(await lookupKeyOwner(c, key.type, key.base64), { user: 'alice', groups: ['developers'] });
    assert.equal((await stat(cacheFilePath(c.keyCache, key.type, key.base64))).mode & 0o777, 0o600);
  });

  it('gives the line sshd needs for her', async () => {
    const key = rigUserKey('alice');
    const owner = await lookupKeyOwner(config(), key.type, key.base64);
    assert.equal(
      renderAuthorizedKeyLine('/opt/futuswarm/bin/futuswarm-agent', owner!.user, key.type, key.base64),
      `restrict,command="/opt/futuswarm/bin/futuswarm-agent serve --user alice" ssh-ed25519 ${key.base64}`,
    );
  });

  it('knows nobody for an unknown key, and caches nothing for it', async () => {
    const c = config();
    const key = newSshKey();
    assert.equal(await lookupKeyOwner(c, key.type, key.base64), undefined);
    assert.deepEqual(await readdir(c.keyCache.dir), []);
  });

  it('a key added to LDAP after a refusal works at once (no negative caching)', async () => {
    const c = config();
    const uid = uniqueUid();
    const key = newSshKey();
    cleanup.push(await addPerson(uid, []));
    assert.equal(await lookupKeyOwner(c, key.type, key.base64), undefined);
    await setKeys(uid, [key.line]);
    assert.equal((await lookupKeyOwner(c, key.type, key.base64))?.user, uid);
  });

  it('matches nobody, without asking anyone, for injection strings', async () => {
    const c = config({ ldap: downLdap });
    for (const s of ['*)(uid=*', '*', 'AAAA*)(uid=*']) {
      assert.equal(await lookupKeyOwner(c, 'ssh-ed25519', s), undefined, s);
      assert.equal(await lookupKeyOwner(c, s, rigUserKey('alice').base64), undefined, s);
    }
  });

  it('a key removed from LDAP keeps working until the ttl is over, then stops', async () => {
    const c = config({ ttlSeconds: 1 });
    const uid = uniqueUid();
    const key = newSshKey();
    cleanup.push(await addPerson(uid, [key.line]));
    assert.equal((await lookupKeyOwner(c, key.type, key.base64))?.user, uid);
    await setKeys(uid, []);
    assert.equal((await lookupKeyOwner(c, key.type, key.base64))?.user, uid, 'cached within the ttl');
    await new Promise((done) => setTimeout(done, 1100));
    assert.equal(await lookupKeyOwner(c, key.type, key.base64), undefined);
    await assert.rejects(stat(cacheFilePath(c.keyCache, key.type, key.base64)), { code: 'ENOENT' });
  });

  it('LDAP down: the cached answer is served within maxStale, with a log line', async () => {
    const c = config({ ttlSeconds: 60, maxStaleSeconds: 600 });
    const key = rigUserKey('bob');
    const t0 = Date.now();
    assert.equal((await lookupKeyOwner(c, key.type, key.base64, { now: () => t0 }))?.user, 'bob');
    const out = quiet();
    const owner = await lookupKeyOwner({ ...c, ldap: downLdap }, key.type, key.base64, { now: () => t0 + 599_000, ...out });
    assert.deepEqual(owner, { user: 'bob', groups: ['developers'] });
    assert.equal(out.logged.length, 1);
    assert.match(out.logged[0]!, /^LDAP ldap:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*; serving the cached answer for bob \(ssh-ed25519 SHA256:\S+\) from 10m ago$/);
  });

  it('LDAP down: a cached answer older than maxStale is refused', async () => {
    const c = config({ ttlSeconds: 60, maxStaleSeconds: 600 });
    const key = rigUserKey('bob');
    const t0 = Date.now();
    await lookupKeyOwner(c, key.type, key.base64, { now: () => t0 });
    const out = quiet();
    await assert.rejects(lookupKeyOwner({ ...c, ldap: downLdap }, key.type, key.base64, { now: () => t0 + 601_000, ...out }), { code: 'unavailable' });
    assert.match(out.logged[0]!, /beyond keyCache\.maxStaleSeconds \(600\): refused$/);
  });

  it('LDAP down and nothing cached: "unavailable" (sshd refuses), unless the users file knows the key', async () => {
    const key = rigUserKey('carol');
    await assert.rejects(lookupKeyOwner(config({ ldap: downLdap }), key.type, key.base64), { code: 'unavailable' });
    assert.deepEqual(await lookupKeyOwner(config({ ldap: downLdap }), breakGlass.type, breakGlass.base64), { user: 'root-admin', groups: [ADMINS_GROUP] });
  });

  it('falls back to the users file for keys LDAP does not know, and works without LDAP', async () => {
    assert.equal((await lookupKeyOwner(config(), breakGlass.type, breakGlass.base64))?.user, 'root-admin');
    assert.equal((await lookupKeyOwner(config({ ldap: undefined }), breakGlass.type, breakGlass.base64))?.user, 'root-admin');
    const alice = rigUserKey('alice');
    assert.equal(await lookupKeyOwner(config({ ldap: undefined }), alice.type, alice.base64), undefined);
  });

  it('refuses an LDAP uid that cannot be a futuswarm user name, and caches nothing', async () => {
    const c = config();
    // Valid in LDAP, but it must never reach the forced command line.
    const uid = `${uniqueUid()} x`;
    const key = newSshKey();
    cleanup.push(await addPerson(uid, [key.line]));
    await assert.rejects(lookupKeyOwner(c, key.type, key.base64), { code: 'invalid_input' });
    assert.deepEqual(await readdir(c.keyCache.dir), []);
  });
});

describe('lookupUserGroups and admins', () => {
  it('carol is an admin through the LDAP group; alice is not', async () => {
    const c = config();
    const carol = await lookupUserGroups(c, 'carol');
    assert.deepEqual(carol, ['developers', ADMINS_GROUP]);
    assert.equal(isLdapAdmin(c, carol!), true);
    assert.equal(isLdapAdmin(c, (await lookupUserGroups(c, 'alice'))!), false);
    assert.equal(isLdapAdmin({ ldap: undefined }, [ADMINS_GROUP]), false);
  });

  it('knows nobody for unknown, differently cased or injected names', async () => {
    const c = config();
    for (const uid of [uniqueUid('nobody'), 'ALICE', '*)(uid=*', '*', '']) assert.equal(await lookupUserGroups(c, uid), undefined, uid);
  });

  it('uses the users file for people LDAP does not know, also while LDAP is down', async () => {
    assert.deepEqual(await lookupUserGroups(config(), 'root-admin'), [ADMINS_GROUP]);
    assert.deepEqual(await lookupUserGroups(config({ ldap: downLdap }), 'root-admin'), [ADMINS_GROUP]);
    await assert.rejects(lookupUserGroups(config({ ldap: downLdap }), 'carol'), { code: 'unavailable' });
  });
});

describe('the bind password from the state bucket (moto)', () => {
  const bucket = uniqueName('fs-ldap-bind');
  const alias = `alias/${uniqueName('fs-ldap-bind')}`;
  const cluster = uniqueName('c');
  let state: AppState;

  before(async () => {
    useMoto();
    const key = await ensureKeyAlias(alias);
    await ensureStateBucket(bucket, { kmsKeyId: key.arn });
    state = new AppState({ store: s3ObjectStore(bucket), keys: kmsKeyService(alias), cluster });
  });

  /** The agent's view: a bindDn without bindPasswordFile, and where the state bucket is. */
  const fromState = () => config({ ldap: ldapTestConfig({ bindPasswordFile: undefined }), cluster, state: { bucket, kmsKeyId: alias, region: 'eu-north-1' } });

  it('none stored: LDAP is unavailable with the command that stores it; the users file still answers', async () => {
    const alice = rigUserKey('alice');
    await assert.rejects(lookupKeyOwner(fromState(), alice.type, alice.base64), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'unavailable');
      assert.match(e.hint ?? '', /futuswarm admin cluster:ldap-password/);
      return true;
    });
    assert.deepEqual(await lookupKeyOwner(fromState(), breakGlass.type, breakGlass.base64), { user: 'root-admin', groups: [ADMINS_GROUP] });
  });

  it('a wrong one stored: the bind is refused, and the hint says to store the current one', async () => {
    await state.clusterSecrets.storeLdapBindPassword('not-the-password', 'test');
    await assert.rejects(lookupUserGroups(fromState(), 'carol'), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'unavailable');
      assert.match(e.message, /invalid credentials/);
      assert.match(e.hint ?? '', /stored in the state bucket .* cluster:ldap-password/);
      return true;
    });
  });

  it('the right one stored: people are found by key and by name', async () => {
    await state.clusterSecrets.storeLdapBindPassword(readFileSync(BIND_PASSWORD_FILE, 'utf8').trim(), 'test');
    const alice = rigUserKey('alice');
    const c = fromState();
    assert.deepEqual(await lookupKeyOwner(c, alice.type, alice.base64), { user: 'alice', groups: ['developers'] });
    assert.deepEqual(await lookupUserGroups(c, 'carol'), ['developers', ADMINS_GROUP]);
  });
});
