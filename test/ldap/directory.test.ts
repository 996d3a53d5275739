import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findUser, findUserByKey } from '../../src/ldap/directory.ts';
import type { LdapConfig } from '../../src/config/ldap-config.ts';
import {
  ADMINS_GROUP,
  addGroup,
  addPerson,
  closedPort,
  ensureLdap,
  LDAP_URL,
  ldapTestConfig,
  removeEntry,
  rigUserKey,
  silentServer,
  uniqueUid,
} from '../helpers/ldap.ts';
import { newSshKey } from '../helpers/ssh-key.ts';

const INJECTIONS = ['*)(uid=*', '*', 'alice)(uid=*', '*)(|(uid=*', 'alice*', '\\2a', '(uid=alice)'];

let cfg: LdapConfig;
const cleanup: string[] = [];
before(async () => {
  cfg = await ensureLdap();
});
after(async () => {
  for (const dn of cleanup.reverse()) await removeEntry(dn);
});

describe('findUserByKey', () => {
  it('finds alice by her key, though LDAP stores it with a comment', async () => {
    const key = rigUserKey('alice');
    assert.match(key.line, / alice@futuswarm\.test$/);
    assert.deepEqual(await findUserByKey(cfg, key.type, key.base64), { uid: 'alice', groups: ['developers'] });
  });

  it('finds groups of both kinds: groupOfNames (member DN) and posixGroup (memberUid)', async () => {
    const key = rigUserKey('carol');
    assert.deepEqual(await findUserByKey(cfg, key.type, key.base64), { uid: 'carol', groups: ['developers', ADMINS_GROUP] });
    const dnOnly = ldapTestConfig({ groupMemberUidAttribute: null });
    assert.deepEqual(await findUserByKey(dnOnly, key.type, key.base64), { uid: 'carol', groups: [ADMINS_GROUP] });
    const uidOnly = ldapTestConfig({ groupMemberAttribute: null });
    assert.deepEqual(await findUserByKey(uidOnly, key.type, key.base64), { uid: 'carol', groups: ['developers'] });
  });

  it('gives no groups without a group base', async () => {
    const key = rigUserKey('bob');
    const noGroups = ldapTestConfig({ groupBaseDn: undefined, adminGroup: undefined });
    assert.deepEqual(await findUserByKey(noGroups, key.type, key.base64), { uid: 'bob', groups: [] });
  });

  it('knows nobody for a key not in LDAP', async () => {
    const key = newSshKey();
    assert.equal(await findUserByKey(cfg, key.type, key.base64), undefined);
  });

  it('matches type and key material, not a key under another type', async () => {
    const key = rigUserKey('alice');
    assert.equal(await findUserByKey(cfg, 'ssh-rsa', key.base64), undefined);
  });

  it('matches nobody for injection strings as key', async () => {
    for (const s of INJECTIONS) {
      assert.equal(await findUserByKey(cfg, 'ssh-ed25519', s), undefined, s);
      assert.equal(await findUserByKey(cfg, s, rigUserKey('alice').base64), undefined, s);
    }
  });

  it('does not match a stored key that carries authorized_keys options', async () => {
    const uid = uniqueUid();
    const key = newSshKey();
    cleanup.push(await addPerson(uid, [`from="10.0.0.1" ${key.line}`]));
    assert.equal(await findUserByKey(cfg, key.type, key.base64), undefined);
  });

  it('finds a person by any of several keys', async () => {
    const uid = uniqueUid();
    const [laptop, desktop] = [newSshKey('laptop'), newSshKey('desktop')];
    cleanup.push(await addPerson(uid, [laptop.line, 'not a key', desktop.line]));
    assert.equal((await findUserByKey(cfg, desktop.type, desktop.base64))?.uid, uid);
    assert.equal((await findUserByKey(cfg, laptop.type, laptop.base64))?.uid, uid);
  });

  it('leaves out people outside the user filter (disabled accounts)', async () => {
    const uid = uniqueUid();
    const key = newSshKey();
    cleanup.push(await addPerson(uid, [key.line], { description: ['disabled'] }));
    const enabledOnly = ldapTestConfig({ userFilter: '(&(objectClass=posixAccount)(!(description=disabled)))' });
    assert.equal(await findUserByKey(enabledOnly, key.type, key.base64), undefined);
    assert.equal((await findUserByKey(cfg, key.type, key.base64))?.uid, uid);
  });

  it('refuses a key that two people hold', async () => {
    const key = newSshKey();
    const [a, b] = [uniqueUid(), uniqueUid()];
    cleanup.push(await addPerson(a, [key.line]), await addPerson(b, [key.line]));
    await assert.rejects(findUserByKey(cfg, key.type, key.base64), { code: 'conflict' });
  });

  it('takes the uid in the RDN when an entry has several', async () => {
    const uid = uniqueUid();
    const key = newSshKey();
    cleanup.push(await addPerson(uid, [key.line], { uid: [uid, `${uid}-alias`] }));
    assert.equal((await findUserByKey(cfg, key.type, key.base64))?.uid, uid);
  });

  it('finds members of a group whose name has filter characters in it', async () => {
    const uid = uniqueUid();
    const key = newSshKey();
    const dn = await addPerson(uid, [key.line]);
    cleanup.push(dn);
    cleanup.push(await addGroup(`ops*)(x=${uid}`, [dn]));
    assert.deepEqual((await findUserByKey(cfg, key.type, key.base64))?.groups, [`ops*)(x=${uid}`]);
  });
});

describe('findUser', () => {
  it('finds alice with her groups and keys', async () => {
    const key = rigUserKey('alice');
    assert.deepEqual(await findUser(cfg, 'alice'), {
      uid: 'alice',
      groups: ['developers'],
      keys: [{ type: key.type, base64: key.base64, comment: 'alice@futuswarm.test' }],
    });
  });

  it('finds carol in the admins group', async () => {
    assert.ok((await findUser(cfg, 'carol'))?.groups.includes(ADMINS_GROUP));
    assert.ok(!(await findUser(cfg, 'bob'))?.groups.includes(ADMINS_GROUP));
  });

  it('matches nobody for injection strings as uid', async () => {
    for (const s of INJECTIONS) assert.equal(await findUser(cfg, s), undefined, s);
    assert.equal(await findUser(cfg, ''), undefined);
  });

  it('knows nobody for an unknown uid', async () => {
    assert.equal(await findUser(cfg, uniqueUid('nobody')), undefined);
  });
});

describe('when the directory cannot answer', () => {
  it('a closed port is "unavailable", at once', async () => {
    const port = await closedPort();
    const started = Date.now();
    await assert.rejects(findUser(ldapTestConfig({ url: `ldap://127.0.0.1:${port}` }), 'alice'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'unavailable');
      assert.match(e.message, new RegExp(`^LDAP ldap://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      return true;
    });
    assert.ok(Date.now() - started < 1000);
  });

  it('a server that never answers is "unavailable" within the timeout', async () => {
    const server = await silentServer();
    try {
      const started = Date.now();
      const key = rigUserKey('alice');
      await assert.rejects(findUserByKey(ldapTestConfig({ url: `ldap://127.0.0.1:${server.port}`, timeoutMs: 500, connectTimeoutMs: 300 }), key.type, key.base64), {
        code: 'unavailable',
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 450 && elapsed < 1500, `took ${elapsed} ms`);
    } finally {
      await server.close();
    }
  });

  it('a refused bind is "unavailable" and names the account; a missing or empty password file is a config error', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'futuswarm-ldap-'));
    try {
      await writeFile(join(dir, 'pw'), 'wrong\n');
      await assert.rejects(findUser(ldapTestConfig({ bindPasswordFile: join(dir, 'pw') }), 'alice'), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'unavailable');
        assert.match(e.message, /bind as cn=futuswarm-agent,dc=futuswarm,dc=test refused \(invalid credentials\)/);
        return true;
      });
      await assert.rejects(findUser(ldapTestConfig({ bindPasswordFile: join(dir, 'missing') }), 'alice'), { code: 'config' });
      await writeFile(join(dir, 'empty'), '\n');
      await assert.rejects(findUser(ldapTestConfig({ bindPasswordFile: join(dir, 'empty') }), 'alice'), { code: 'config', message: /is empty$/ });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a base the account may not read is "unavailable", with a hint (anonymous sees nothing in the rig)', async () => {
    const anonymous = ldapTestConfig({ bindDn: undefined, bindPasswordFile: undefined });
    await assert.rejects(findUser(anonymous, 'alice'), {
      code: 'unavailable',
      message: `LDAP ${LDAP_URL}: no such object (result 32): does baseDn/groupBaseDn exist, and may anonymous read it?`,
    });
  });
});
