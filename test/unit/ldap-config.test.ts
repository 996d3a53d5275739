import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { FutuswarmError, parseWith } from '../../src/core/errors.ts';
import { identityConfigShape, keyCacheConfigSchema, ldapConfigSchema } from '../../src/config/ldap-config.ts';

const minimal = { url: 'ldaps://ldap.example.com', baseDn: 'ou=people,dc=example,dc=com' };

function problems(schema: z.ZodType, value: unknown): string[] {
  try {
    parseWith(schema, value, 'agent config', { code: 'config' });
  } catch (e) {
    assert.ok(e instanceof FutuswarmError);
    assert.equal(e.code, 'config');
    return (e.details as { issues: string[] }).issues;
  }
  assert.fail('expected the config to be refused');
}

describe('ldap config', () => {
  it('fills in the LPK defaults and the fast timeouts', () => {
    assert.deepEqual(ldapConfigSchema.parse(minimal), {
      ...minimal,
      startTls: false,
      userFilter: '(objectClass=posixAccount)',
      uidAttribute: 'uid',
      keyAttribute: 'sshPublicKey',
      groupFilter: '(|(objectClass=groupOfNames)(objectClass=posixGroup))',
      groupNameAttribute: 'cn',
      groupMemberAttribute: 'member',
      groupMemberUidAttribute: 'memberUid',
      connectTimeoutMs: 2000,
      timeoutMs: 4000,
    });
  });

  it('takes a complete section', () => {
    const full = {
      url: 'ldap://ldap.internal:389',
      startTls: true,
      tlsCaFile: '/etc/ssl/company-ca.pem',
      bindDn: 'cn=futuswarm,ou=services,dc=example,dc=com',
      bindPasswordFile: '/etc/futuswarm/ldap-bind-password',
      baseDn: 'ou=people,dc=example,dc=com',
      userFilter: '(&(objectClass=posixAccount)(!(pwdAccountLockedTime=*)))',
      uidAttribute: 'uid',
      keyAttribute: 'sshPublicKey',
      groupBaseDn: 'ou=groups,dc=example,dc=com',
      groupFilter: '(objectClass=posixGroup)',
      groupNameAttribute: 'cn',
      groupMemberAttribute: null,
      groupMemberUidAttribute: 'memberUid',
      adminGroup: 'ops',
      connectTimeoutMs: 500,
      timeoutMs: 1500,
    };
    assert.deepEqual(ldapConfigSchema.parse(full), full);
  });

  it('allows plain ldap:// to loopback only', () => {
    for (const url of ['ldap://127.0.0.1:3890', 'ldap://localhost', 'ldap://[::1]:389/']) {
      assert.equal(ldapConfigSchema.safeParse({ ...minimal, url }).success, true, url);
    }
    assert.deepEqual(problems(ldapConfigSchema, { ...minimal, url: 'ldap://ldap.example.com' }), [
      'startTls: must be true for plain ldap:// to a remote host (or use ldaps://): keys and the bind password must not cross the network in clear',
    ]);
  });

  it('reports every problem at once, each with its path', () => {
    assert.deepEqual(
      problems(ldapConfigSchema, {
        url: 'http://ldap.example.com/dc=x?uid',
        baseDn: 'people',
        userFilter: '(objectClass=posixAccount',
        uidAttribute: 'uid)(x',
        connectTimeoutMs: 30_000,
        extra: true,
      }),
      [
        'url: must be ldap://host[:port] or ldaps://host[:port]',
        'baseDn: must be a DN such as ou=people,dc=example,dc=com',
        'userFilter: must be an LDAP filter in parentheses, e.g. (objectClass=posixAccount)',
        'uidAttribute: must be an LDAP attribute name such as uid',
        'connectTimeoutMs: must be at most 2000',
        'unknown key "extra"',
      ],
    );
    // A value of the wrong type stops the cross-field rules; the rest is reported once it is fixed.
    assert.deepEqual(problems(ldapConfigSchema, { url: 'ldap://ldap.example.com', baseDn: 'dc=x', bindDn: 'cn=a,dc=x', timeoutMs: 'soon' }), [
      'timeoutMs: must be a number',
    ]);
  });

  it('checks the rules that join fields', () => {
    assert.deepEqual(
      problems(ldapConfigSchema, {
        ...minimal,
        startTls: true,
        bindDn: 'cn=agent,dc=example,dc=com',
        adminGroup: 'ops',
        connectTimeoutMs: 2000,
        timeoutMs: 1000,
      }),
      [
        'startTls: must be false with ldaps:// (the connection is already TLS)',
        'groupBaseDn: is required with adminGroup',
        'connectTimeoutMs: must not exceed timeoutMs',
      ],
    );
    assert.deepEqual(
      problems(ldapConfigSchema, {
        ...minimal,
        bindPasswordFile: '/etc/pw',
        groupBaseDn: 'ou=groups,dc=example,dc=com',
        groupMemberAttribute: null,
        groupMemberUidAttribute: null,
      }),
      ['bindDn: is required with bindPasswordFile', 'groupMemberAttribute: groupMemberAttribute and groupMemberUidAttribute must not both be null'],
    );
  });

  it('refuses filters that do not parse', () => {
    assert.deepEqual(problems(ldapConfigSchema, { ...minimal, groupFilter: '(|(cn=a)(cn=b)' }), ['groupFilter: must be a valid LDAP filter (RFC 4515)']);
  });
});

describe('keyCache config', () => {
  it('defaults to 5 minutes fresh, a day stale, /var/cache/futuswarm/keys', () => {
    assert.deepEqual(keyCacheConfigSchema.parse({}), { dir: '/var/cache/futuswarm/keys', ttlSeconds: 300, maxStaleSeconds: 86400 });
  });

  it('allows ttl 0 (always ask) and refuses a staleness shorter than the ttl', () => {
    assert.equal(keyCacheConfigSchema.parse({ ttlSeconds: 0 }).ttlSeconds, 0);
    assert.deepEqual(problems(keyCacheConfigSchema, { ttlSeconds: 600, maxStaleSeconds: 60, dir: 'cache' }), [
      'dir: must be an absolute path',
      'maxStaleSeconds: must be at least ttlSeconds',
    ]);
    assert.deepEqual(problems(keyCacheConfigSchema, { ttlSeconds: 600, maxStaleSeconds: 60 }), ['maxStaleSeconds: must be at least ttlSeconds']);
  });

  it('merges into an agent config: ldap optional, keyCache defaulted', () => {
    const agent = z.strictObject({ cluster: z.string(), ...identityConfigShape });
    assert.deepEqual(agent.parse({ cluster: 'c' }), {
      cluster: 'c',
      keyCache: { dir: '/var/cache/futuswarm/keys', ttlSeconds: 300, maxStaleSeconds: 86400 },
    });
    assert.deepEqual(problems(agent, { cluster: 'c', ldap: { url: 'ldaps://x' }, keyCache: { ttlSeconds: -1 } }), [
      'ldap.baseDn: is required',
      'keyCache.ttlSeconds: must be at least 0',
    ]);
  });
});
