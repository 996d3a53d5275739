/** Who is an admin, and the words of a refusal: the ACL's identity half, against the LDAP rig. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAdmin, listPeople, notOwnerError, resolveIdentity } from '../../src/agent/acl.ts';
import { agentConfigSchema, type AgentConfig } from '../../src/config/agent-config.ts';
import type { LdapConfig } from '../../src/config/ldap-config.ts';
import { closedPort, ensureLdap, ldapTestConfig } from '../helpers/ldap.ts';
import { newSshKey } from '../helpers/ssh-key.ts';

let root: string;
let ldap: LdapConfig;
let downLdap: LdapConfig;

before(async () => {
  ldap = await ensureLdap();
  downLdap = ldapTestConfig({ url: `ldap://127.0.0.1:${await closedPort()}` });
  root = await mkdtemp(join(tmpdir(), 'futuswarm-acl-'));
  const users = [
    'users:',
    '  root-admin:',
    `    keys: [${newSshKey().line}]`,
    '    groups: [futuswarm-admins]',
    '  deployer:',
    `    keys: [${newSshKey().line}]`,
    '    groups: [ci]',
  ];
  await writeFile(join(root, 'users.yaml'), `${users.join('\n')}\n`);
});
after(() => rm(root, { recursive: true, force: true }));

function config(overrides: Record<string, unknown> = {}): AgentConfig {
  return agentConfigSchema.parse({
    cluster: 'test',
    domain: 'apps.example.com',
    state: { bucket: 'futuswarm-test-state', kmsKeyId: 'alias/futuswarm-test' },
    usersFile: join(root, 'users.yaml'),
    keyCache: { dir: join(root, 'cache') },
    ldap,
    admins: ['ops-oncall'],
    ...overrides,
  });
}

describe('resolveIdentity', () => {
  it('alice: from LDAP, her groups, no admin', async () => {
    assert.deepEqual(await resolveIdentity(config(), 'alice'), { user: 'alice', source: 'ldap', groups: ['developers'], admin: false, adminVia: [] });
  });

  it('carol: an admin through the LDAP admin group', async () => {
    const carol = await resolveIdentity(config(), 'carol');
    assert.deepEqual([carol.source, carol.admin, carol.adminVia], ['ldap', true, ['LDAP group futuswarm-admins']]);
  });

  it('LDAP group membership counts only for the group the config names', async () => {
    const carol = await resolveIdentity(config({ ldap: { ...ldap, adminGroup: 'platform' } }), 'carol');
    assert.equal(carol.admin, false);
  });

  it('users-file people: admin by naming the admin group in groups:', async () => {
    assert.deepEqual(await resolveIdentity(config(), 'root-admin'), {
      user: 'root-admin', source: 'users-file', groups: ['futuswarm-admins'], admin: true, adminVia: ['users file group futuswarm-admins'],
    });
    assert.equal((await resolveIdentity(config(), 'deployer')).admin, false);
    // Without LDAP the group keeps its default name.
    assert.equal((await resolveIdentity(config({ ldap: undefined }), 'root-admin')).admin, true);
  });

  it('the agent config admins: list, for people LDAP and the users file do not know', async () => {
    assert.deepEqual(await resolveIdentity(config(), 'ops-oncall'), { user: 'ops-oncall', source: 'config', groups: [], admin: true, adminVia: ['agent config admins'] });
    assert.equal((await resolveIdentity(config(), 'nobody-at-all')).admin, false);
  });
});

describe('isAdmin while LDAP is down', () => {
  it('config admins and users-file admins still are; LDAP admins cannot be told', async () => {
    const down = config({ ldap: downLdap });
    assert.equal(await isAdmin(down, 'ops-oncall'), true);
    assert.equal(await isAdmin(down, 'root-admin'), true);
    await assert.rejects(isAdmin(down, 'carol'), { code: 'unavailable' });
  });
});

describe('refusals', () => {
  it('name the owners and the command that lets the caller in', () => {
    assert.equal(notOwnerError('shop', ['alice'], 'bob').message, 'forbidden: shop is owned by alice (ask an owner: futuswarm app:owners add -n shop bob)');
    assert.equal(notOwnerError('shop', ['alice'], 'bob').code, 'forbidden');
    assert.equal(listPeople(['alice', 'dave']), 'alice and dave');
    assert.equal(listPeople(['alice', 'dave', 'erin']), 'alice, dave and erin');
  });
});
