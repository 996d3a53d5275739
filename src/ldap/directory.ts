/**
 * Who owns an SSH key, and which groups a person is in, asked of the company directory.
 *
 * Filters are built as ldapts filter objects, never by pasting strings: a value such as
 * `*)(uid=*` travels as an opaque octet string and matches nobody. Keys are matched by
 * comparing type and key material of every stored value, since stored values carry comments.
 * Every failure to get an answer becomes FutuswarmError('unavailable'); sshd is waiting, so
 * one lookup (connect, bind, searches) never takes longer than `timeoutMs`.
 */
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import { AndFilter, Client, EqualityFilter, FilterParser, OrFilter, PresenceFilter, type Entry, type Filter } from 'ldapts';
import { FutuswarmError, isFutuswarmError } from '../core/errors.ts';
import { checkSshPublicKey, parseSshPublicKey, sameSshKey, type SshPublicKey } from '../core/ssh-public-key.ts';
import type { LdapConfig } from '../config/ldap-config.ts';

export interface DirectoryPerson {
  uid: string;
  /** Names of the groups the person is a member of, sorted. */
  groups: string[];
}

export interface DirectoryPersonWithKeys extends DirectoryPerson {
  keys: SshPublicKey[];
}

export interface DirectoryOptions {
  /** The bind password when cfg has a bindDn but no bindPasswordFile. */
  bindPassword?: BindPasswordSource | undefined;
}

/** The person whose entry holds this key, or undefined when nobody does. */
export async function findUserByKey(cfg: LdapConfig, keyType: string, keyBase64: string, options: DirectoryOptions = {}): Promise<DirectoryPerson | undefined> {
  const offered = checkSshPublicKey(keyType, keyBase64);
  if (!offered) return undefined;
  return withDirectory(cfg, options.bindPassword, async (client) => {
    // The LPK schema defines no substring matching for sshPublicKey, and values carry
    // comments, so equality filters cannot find a key: compare every stored key instead.
    const entries = await searchPeople(client, cfg, new PresenceFilter({ attribute: cfg.keyAttribute }));
    const holders = entries.filter((entry) =>
      values(entry, cfg.keyAttribute).some((value) => {
        const stored = parseSshPublicKey(value);
        return stored !== undefined && sameSshKey(stored, offered);
      }),
    );
    if (holders.length === 0) return undefined;
    if (holders.length > 1) {
      throw new FutuswarmError('conflict', `the same SSH key is on ${holders.length} LDAP entries: ${holders.map((e) => e.dn).join('; ')}`, {
        hint: 'a key must identify one person: remove it from all but one entry',
      });
    }
    const entry = holders[0]!;
    const uid = uidOf(entry, cfg);
    return { uid, groups: await groupsOf(client, cfg, entry.dn, uid) };
  });
}

/** The person with this uid (compared as the directory compares uids), with groups and keys. */
export async function findUser(cfg: LdapConfig, uid: string, options: DirectoryOptions = {}): Promise<DirectoryPersonWithKeys | undefined> {
  if (uid === '') return undefined;
  return withDirectory(cfg, options.bindPassword, async (client) => {
    const entries = await searchPeople(client, cfg, new EqualityFilter({ attribute: cfg.uidAttribute, value: uid }));
    if (entries.length === 0) return undefined;
    if (entries.length > 1) {
      throw new FutuswarmError('conflict', `${entries.length} LDAP entries have ${cfg.uidAttribute}=${uid}: ${entries.map((e) => e.dn).join('; ')}`);
    }
    const entry = entries[0]!;
    const canonical = values(entry, cfg.uidAttribute).find((v) => v.toLowerCase() === uid.toLowerCase()) ?? uidOf(entry, cfg);
    const keys = values(entry, cfg.keyAttribute)
      .map((value) => parseSshPublicKey(value))
      .filter((key): key is SshPublicKey => key !== undefined);
    return { uid: canonical, groups: await groupsOf(client, cfg, entry.dn, canonical), keys };
  });
}

async function searchPeople(client: Client, cfg: LdapConfig, match: Filter): Promise<Entry[]> {
  const filter = new AndFilter({ filters: [FilterParser.parseString(cfg.userFilter), match] });
  const { searchEntries } = await client.search(cfg.baseDn, {
    scope: 'sub',
    filter,
    attributes: [cfg.uidAttribute, cfg.keyAttribute],
    paged: { pageSize: 500 },
  });
  return searchEntries;
}

async function groupsOf(client: Client, cfg: LdapConfig, userDn: string, uid: string): Promise<string[]> {
  if (cfg.groupBaseDn === undefined) return [];
  const membership: Filter[] = [];
  if (cfg.groupMemberAttribute !== null) membership.push(new EqualityFilter({ attribute: cfg.groupMemberAttribute, value: userDn }));
  if (cfg.groupMemberUidAttribute !== null) membership.push(new EqualityFilter({ attribute: cfg.groupMemberUidAttribute, value: uid }));
  const filter = new AndFilter({ filters: [FilterParser.parseString(cfg.groupFilter), new OrFilter({ filters: membership })] });
  const { searchEntries } = await client.search(cfg.groupBaseDn, {
    scope: 'sub',
    filter,
    attributes: [cfg.groupNameAttribute],
    paged: { pageSize: 500 },
  });
  const names = searchEntries.map((entry) => values(entry, cfg.groupNameAttribute)[0]).filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort();
}

/**
 * An entry's uid. inetOrgPerson allows several uid values; then the one in the entry's RDN
 * is the person's name, and without one there the entry is ambiguous.
 */
function uidOf(entry: Entry, cfg: LdapConfig): string {
  const uids = values(entry, cfg.uidAttribute);
  if (uids.length === 1) return uids[0]!;
  const rdn = /^([^=,+]+)=((?:\\.|[^,+\\])*)/.exec(entry.dn);
  const fromRdn = rdn && rdn[1]!.toLowerCase() === cfg.uidAttribute.toLowerCase() ? rdn[2] : undefined;
  const chosen = uids.find((u) => u === fromRdn);
  if (chosen !== undefined) return chosen;
  throw new FutuswarmError(
    'conflict',
    uids.length === 0 ? `LDAP entry ${entry.dn} has no ${cfg.uidAttribute}` : `LDAP entry ${entry.dn} has several ${cfg.uidAttribute} values and none is its RDN`,
  );
}

/** Attribute values as strings; entries name attributes as the server spells them. */
function values(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k.toLowerCase() === wanted);
  const raw = key === undefined ? undefined : entry[key];
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

/** Connect, optionally StartTLS, bind, run `work`, unbind; all within cfg.timeoutMs. */
async function withDirectory<T>(cfg: LdapConfig, bindPassword: BindPasswordSource | undefined, work: (client: Client) => Promise<T>): Promise<T> {
  const password = await passwordFor(cfg, bindPassword);
  const tlsOptions = await tlsOptionsFor(cfg);
  const client = new Client({
    url: cfg.url,
    connectTimeout: cfg.connectTimeoutMs,
    timeout: cfg.timeoutMs,
    ...(tlsOptions ? { tlsOptions } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${cfg.timeoutMs} ms`)), cfg.timeoutMs);
  });
  const session = async (): Promise<T> => {
    if (cfg.startTls) await client.startTLS(tlsOptions ?? {});
    if (cfg.bindDn !== undefined) await client.bind(cfg.bindDn, password);
    return work(client);
  };
  try {
    return await Promise.race([session(), deadline]);
  } catch (e) {
    throw translate(e, cfg);
  } finally {
    clearTimeout(timer);
    await client.unbind().catch(() => undefined);
  }
}

/**
 * Where a bind password comes from when the config names no bindPasswordFile (the agent reads
 * it from the state bucket). Failures to get it are 'unavailable', like an unreachable server.
 */
export type BindPasswordSource = () => Promise<string>;

async function passwordFor(cfg: LdapConfig, source: BindPasswordSource | undefined): Promise<string | undefined> {
  if (cfg.bindDn === undefined) return undefined;
  if (cfg.bindPasswordFile !== undefined) return readBindPassword(cfg.bindPasswordFile);
  if (source === undefined) {
    throw new FutuswarmError('config', `ldap.bindDn ${cfg.bindDn} has no password: set ldap.bindPasswordFile, or store it in the state bucket`, {
      hint: 'futuswarm admin cluster:ldap-password -f <cluster file>',
    });
  }
  return source();
}

async function readBindPassword(path: string): Promise<string> {
  let password: string;
  try {
    password = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch (e) {
    throw new FutuswarmError('config', `cannot read the LDAP bind password file ${path}: ${(e as Error).message}`, {
      hint: "it must be readable by sshd's AuthorizedKeysCommandUser and the futuswarm user",
    });
  }
  // A simple bind with an empty password is an unauthenticated bind that servers may accept.
  if (password === '') throw new FutuswarmError('config', `the LDAP bind password file ${path} is empty`);
  return password;
}

async function tlsOptionsFor(cfg: LdapConfig): Promise<ConnectionOptions | undefined> {
  if (!cfg.url.startsWith('ldaps://') && !cfg.startTls) return undefined;
  // StartTLS upgrades an existing socket: name the host so its certificate is checked against it.
  const options: ConnectionOptions = { host: new URL(cfg.url).hostname.replace(/^\[|\]$/g, '') };
  if (cfg.tlsCaFile !== undefined) {
    try {
      options.ca = await readFile(cfg.tlsCaFile);
    } catch (e) {
      throw new FutuswarmError('config', `cannot read the LDAP CA file ${cfg.tlsCaFile}: ${(e as Error).message}`);
    }
  }
  return options;
}

function translate(e: unknown, cfg: LdapConfig): FutuswarmError {
  if (isFutuswarmError(e)) return e;
  const err = e as { name?: unknown; code?: unknown; message?: unknown };
  const message = (typeof err.message === 'string' ? err.message : String(e)).split('\n')[0]!.trim();
  const who = cfg.bindDn ?? 'anonymous';
  let reason: string;
  if (typeof err.code === 'number') {
    // ldapts result-code errors: NoSuchObjectError → "no such object (result 32)".
    const name = typeof err.name === 'string' ? err.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : 'error';
    reason = `${name} (result ${err.code})`;
    if (err.code === 49) reason = `bind as ${who} refused (invalid credentials)`;
    if (err.code === 32) reason += `: does baseDn/groupBaseDn exist, and may ${who} read it?`;
  } else {
    reason = typeof err.code === 'string' && !message.includes(err.code) ? `${err.code}: ${message}` : message;
  }
  const storedPasswordRefused = err.code === 49 && cfg.bindDn !== undefined && cfg.bindPasswordFile === undefined;
  return new FutuswarmError('unavailable', `LDAP ${cfg.url}: ${reason}`, {
    hint: storedPasswordRefused
      ? 'the password stored in the state bucket is not the account\'s: an admin stores the current one with futuswarm admin cluster:ldap-password -f <cluster file>'
      : 'check that the directory server answers and the agent config ldap: section (url, bindDn, bindPasswordFile, baseDn)',
    cause: e,
  });
}
