/**
 * The `ldap:` and `keyCache:` sections of the agent config (/etc/futuswarm/agent.yaml).
 * Spread `identityConfigShape` into the agent config schema.
 */
import { FilterParser } from 'ldapts';
import * as z from 'zod';

const absolutePath = z.string().regex(/^\/[^\0\n]*$/, 'must be an absolute path');

/** An attribute description: a name (`uid`, `sshPublicKey`) or an OID. */
const attributeName = z
  .string()
  .regex(/^(?:[A-Za-z][A-Za-z0-9-]{0,63}|[0-9]+(?:\.[0-9]+)+)$/, 'must be an LDAP attribute name such as uid');

const dn = z
  .string()
  .min(1, 'must not be empty')
  .max(1024)
  .regex(/^[^\0-\x1f\x7f]+$/, 'must not contain control characters')
  .refine((s) => s.includes('='), 'must be a DN such as ou=people,dc=example,dc=com');

/** Parentheses in filter values are escaped (\28, \29), so every literal one is structure. */
function balanced(f: string): boolean {
  let depth = 0;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '(') depth++;
    else if (f[i] === ')') depth--;
    if (depth < 0 || (depth === 0 && i < f.length - 1)) return false;
  }
  return depth === 0;
}

/** Filters come from the admin, not from users; they must still parse, so mistakes show up at load. */
const filter = z
  .string()
  .regex(/^\(.*\)$/s, { message: 'must be an LDAP filter in parentheses, e.g. (objectClass=posixAccount)', abort: true })
  .refine((f) => {
    if (!balanced(f)) return false;
    try {
      FilterParser.parseString(f);
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid LDAP filter (RFC 4515)');

const ldapUrl = z
  .string()
  .regex(/^ldaps?:\/\/(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?\/?$/, 'must be ldap://host[:port] or ldaps://host[:port]');

const connectTimeoutMs = z.number().int().min(50).max(2000);
const timeoutMs = z.number().int().min(100).max(4000);

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export const ldapConfigSchema = z
  .strictObject({
    /** `ldaps://host[:636]`, or `ldap://host[:389]` with `startTls: true` (plain ldap:// only to loopback). */
    url: ldapUrl,
    startTls: z.boolean().default(false),
    /** PEM bundle of the CA that signed the server's certificate, when not in the system store. */
    tlsCaFile: absolutePath.optional(),
    /** Read-only account the agent binds as; anonymous when absent. */
    bindDn: dn.optional(),
    /**
     * File holding the bind password (one line), readable by sshd's AuthorizedKeysCommandUser.
     * Without it, a bindDn's password comes from the state bucket, sealed with the cluster key
     * (`futuswarm admin cluster:ldap-password` stores it).
     */
    bindPasswordFile: absolutePath.optional(),
    /** Where people are, e.g. ou=people,dc=example,dc=com (searched with scope sub). */
    baseDn: dn,
    /** Which entries under baseDn are people who may log in (disable accounts here). */
    userFilter: filter.default('(objectClass=posixAccount)'),
    uidAttribute: attributeName.default('uid'),
    keyAttribute: attributeName.default('sshPublicKey'),
    /** Where groups are; without it nobody has LDAP groups. */
    groupBaseDn: dn.optional(),
    groupFilter: filter.default('(|(objectClass=groupOfNames)(objectClass=posixGroup))'),
    groupNameAttribute: attributeName.default('cn'),
    /** Attribute holding members' DNs (groupOfNames); null to not use it. */
    groupMemberAttribute: attributeName.nullable().default('member'),
    /** Attribute holding members' uids (posixGroup); null to not use it. */
    groupMemberUidAttribute: attributeName.nullable().default('memberUid'),
    /** Members of this group (its groupNameAttribute value) are futuswarm admins. */
    adminGroup: z.string().min(1).max(256).optional(),
    /** sshd waits on every lookup: keep both short. */
    connectTimeoutMs: connectTimeoutMs.default(2000),
    timeoutMs: timeoutMs.default(4000),
  })
  .superRefine((c, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.bindPasswordFile !== undefined && c.bindDn === undefined) problem('bindDn', 'is required with bindPasswordFile');
    // Refinements run even when a field failed; the URL rules need a URL.
    if (ldapUrl.safeParse(c.url).success) {
      const ldaps = c.url.startsWith('ldaps://');
      if (ldaps && c.startTls) problem('startTls', 'must be false with ldaps:// (the connection is already TLS)');
      // Whoever can change LDAP answers in transit can log in as anyone.
      if (!ldaps && !c.startTls && !isLoopback(c.url)) {
        problem('startTls', 'must be true for plain ldap:// to a remote host (or use ldaps://): keys and the bind password must not cross the network in clear');
      }
      if (!ldaps && !c.startTls && c.tlsCaFile !== undefined) problem('tlsCaFile', 'is only used with ldaps:// or startTls: true');
    }
    if (c.adminGroup !== undefined && c.groupBaseDn === undefined) problem('groupBaseDn', 'is required with adminGroup');
    if (c.groupBaseDn !== undefined && c.groupMemberAttribute === null && c.groupMemberUidAttribute === null) {
      problem('groupMemberAttribute', 'groupMemberAttribute and groupMemberUidAttribute must not both be null');
    }
    const timeoutsValid = connectTimeoutMs.safeParse(c.connectTimeoutMs).success && timeoutMs.safeParse(c.timeoutMs).success;
    if (timeoutsValid && c.connectTimeoutMs > c.timeoutMs) problem('connectTimeoutMs', 'must not exceed timeoutMs');
  });
export type LdapConfig = z.output<typeof ldapConfigSchema>;

export const keyCacheConfigSchema = z
  .strictObject({
    /** Owned by the user sshd runs AuthorizedKeysCommand as; mode 0700 (created if missing). */
    dir: absolutePath.default('/var/cache/futuswarm/keys'),
    /** Answers younger than this are served without asking LDAP; a removed key works this long. 0: always ask. */
    ttlSeconds: z.number().int().min(0).max(7 * 86400).default(300),
    /** While LDAP is unreachable, answers up to this old are still served. */
    maxStaleSeconds: z.number().int().min(0).max(30 * 86400).default(86400),
    /**
     * authorized-keys also appends what it reports (stale answers served, LDAP errors) here;
     * sshd discards an AuthorizedKeysCommand's stderr. Writable by the AuthorizedKeysCommandUser.
     */
    logFile: absolutePath.optional(),
  })
  .refine((c) => c.maxStaleSeconds >= c.ttlSeconds, { path: ['maxStaleSeconds'], message: 'must be at least ttlSeconds' });
export type KeyCacheConfig = z.output<typeof keyCacheConfigSchema>;

/** For the agent config schema: `z.strictObject({ ...others, ...identityConfigShape })`. */
export const identityConfigShape = {
  /** Absent: keys come from the users file only. */
  ldap: ldapConfigSchema.optional(),
  keyCache: keyCacheConfigSchema.prefault({}),
};
