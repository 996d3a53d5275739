/**
 * Who is behind an SSH key, for `futuswarm-agent authorized-keys %u %t %k`, and which groups a
 * person is in, for `whoami` and admin checks.
 *
 * Sources, in order: LDAP (through the key cache), then the static users file. The users file
 * is consulted when LDAP does not know the key or cannot be reached, so a cluster keeps a
 * break-glass admin through an LDAP outage; LDAP wins when both know a key.
 */
import * as z from 'zod';
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { userName } from '../core/names.ts';
import { LDAP_BIND_PASSWORD_OBJECT_KEY } from '../core/plan-names.ts';
import { authorizedKeysFromPattern, checkSshPublicKey, sshKeyBase64, sshKeyType } from '../core/ssh-public-key.ts';
import { findUser, findUserByKey, type DirectoryOptions } from '../ldap/directory.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { lookupThroughCache, type KeyCacheOptions } from './key-cache.ts';
import type { KeyCacheConfig, LdapConfig } from '../config/ldap-config.ts';
import { findUserByKey as findUserByKeyInFile, loadUsersFile } from '../config/users-file.ts';

/** The parts of the agent config that identity needs. */
export interface KeyLookupConfig {
  usersFile: string;
  ldap?: LdapConfig | undefined;
  keyCache: KeyCacheConfig;
  /** Where the LDAP bind password is when ldap.bindDn has no bindPasswordFile. */
  cluster?: AgentConfig['cluster'];
  state?: AgentConfig['state'];
}

const passwords = new WeakMap<KeyLookupConfig, Promise<string>>();

/**
 * How the directory gets its bind password: from the file the config names, or else from the
 * state bucket, read once per process. A state bucket that cannot be read makes LDAP
 * 'unavailable', so cached answers and the users file still let people in.
 */
function directoryOptions(config: KeyLookupConfig): DirectoryOptions {
  const { ldap, cluster, state } = config;
  if (ldap?.bindDn === undefined || ldap.bindPasswordFile !== undefined || cluster === undefined || state === undefined) return {};
  return {
    bindPassword: () => {
      let password = passwords.get(config);
      if (!password) {
        password = import('./open-state.ts')
          .then(({ openState }) => openState({ cluster, state }))
          .then((s) => s.clusterSecrets.readLdapBindPassword())
          .catch((e: unknown) => {
            passwords.delete(config);
            if (isFutuswarmError(e) && e.code === 'unavailable') throw e;
            throw new FutuswarmError('unavailable', `cannot read the LDAP bind password from the state bucket: ${(e as Error).message}`, {
              hint: `the manager must be able to read s3://${state.bucket}/${LDAP_BIND_PASSWORD_OBJECT_KEY} and decrypt with ${state.kmsKeyId}`,
            });
          });
        passwords.set(config, password);
      }
      return password;
    },
  };
}

export interface KeyOwnerAnswer {
  user: string;
  groups: string[];
}

/**
 * The person who owns the key sshd was offered, or undefined (sshd then refuses the key).
 * Throws FutuswarmError('unavailable') when LDAP cannot be asked, no cached answer may be
 * served and the users file does not know the key.
 */
export async function lookupKeyOwner(
  config: KeyLookupConfig,
  keyType: string,
  keyBase64: string,
  options: KeyCacheOptions = {},
): Promise<KeyOwnerAnswer | undefined> {
  const key = checkSshPublicKey(keyType, keyBase64);
  if (!key) return undefined;
  let ldapError: FutuswarmError | undefined;
  const ldap = config.ldap;
  if (ldap) {
    try {
      const owner = await lookupThroughCache(config.keyCache, key, async () => {
        const person = await findUserByKey(ldap, key.type, key.base64, directoryOptions(config));
        if (!person) return undefined;
        return { uid: checkedUid(person.uid), groups: person.groups };
      }, options);
      if (owner) return { user: owner.uid, groups: owner.groups };
    } catch (e) {
      if (!isFutuswarmError(e) || e.code !== 'unavailable') throw e;
      ldapError = e;
    }
  }
  const owner = findUserByKeyInFile(await loadUsersFile(config.usersFile), key.type, key.base64);
  if (owner) return owner;
  if (ldapError) throw ldapError;
  return undefined;
}

/** A person the cluster knows, and where they were found. */
export interface KnownPerson {
  user: string;
  groups: string[];
  source: 'ldap' | 'users-file';
}

/**
 * A person by name (LDAP first, then the users file), or undefined for nobody known.
 * Not cached: admin rights follow the directory at once. During an LDAP outage this throws
 * 'unavailable' unless the users file knows the person.
 */
export async function lookupPerson(config: KeyLookupConfig, uid: string): Promise<KnownPerson | undefined> {
  if (!userName.safeParse(uid).success) return undefined;
  let ldapError: FutuswarmError | undefined;
  if (config.ldap) {
    try {
      const person = await findUser(config.ldap, uid, directoryOptions(config));
      // uids compare case-insensitively in LDAP; futuswarm names are exact.
      if (person && person.uid === uid) return { user: uid, groups: person.groups, source: 'ldap' };
    } catch (e) {
      if (!isFutuswarmError(e) || e.code !== 'unavailable') throw e;
      ldapError = e;
    }
  }
  const file = await loadUsersFile(config.usersFile);
  if (Object.hasOwn(file.users, uid)) return { user: uid, groups: file.users[uid]!.groups, source: 'users-file' };
  if (ldapError) throw ldapError;
  return undefined;
}

/** The groups of a person, as lookupPerson finds them. */
export async function lookupUserGroups(config: KeyLookupConfig, uid: string): Promise<string[] | undefined> {
  return (await lookupPerson(config, uid))?.groups;
}

/** Whether these groups make a person a futuswarm admin through the LDAP admin group. */
export function isLdapAdmin(config: Pick<KeyLookupConfig, 'ldap'>, groups: readonly string[]): boolean {
  const group = config.ldap?.adminGroup;
  return group !== undefined && groups.includes(group);
}

function checkedUid(uid: string): string {
  const result = userName.safeParse(uid);
  if (!result.success) {
    throw new FutuswarmError('invalid_input', `LDAP uid ${JSON.stringify(uid)} cannot be a futuswarm user name (letters, digits, ".", "_", "-"); key refused`);
  }
  return result.data;
}

/** Same rule as the agent config's agentCommand: an absolute path, nothing to quote. */
const commandPath = z.string().max(4096).regex(/^\/[\w./-]+$/, 'must be an absolute path of letters, digits, ".", "_", "-" and "/"');

const authorizedKeyLineSchema = z
  .strictObject({ agentCommand: commandPath, user: userName, keyType: sshKeyType, keyBase64: sshKeyBase64 })
  .refine((v) => checkSshPublicKey(v.keyType, v.keyBase64) !== undefined, {
    path: ['keyBase64'],
    message: 'must be a key of the given type',
  });

/**
 * The one line sshd reads for a recognised key. Every part is validated first, so no quote,
 * space or newline can reach sshd from a directory or a client.
 */
export function renderAuthorizedKeyLine(
  agentCommand: string,
  user: string,
  keyType: string,
  keyBase64: string,
  daemon?: { relayCommand: string; socket: string },
): string {
  const v = parseWith(authorizedKeyLineSchema, { agentCommand, user, keyType, keyBase64 }, 'authorized key line');
  if (daemon === undefined) return `restrict,command="${v.agentCommand} serve --user ${v.user}" ${v.keyType} ${v.keyBase64}`;
  // The resident agent: the relay hands it the request, naming the person found here.
  const relay = parseWith(commandPath, daemon.relayCommand, 'daemon.relayCommand');
  const socket = parseWith(commandPath, daemon.socket, 'daemon.socket');
  return `restrict,command="${relay} --socket ${socket} --user ${v.user}" ${v.keyType} ${v.keyBase64}`;
}

/** The line for the cluster's node key: `node-serve` only, from managers' addresses only. */
export function renderNodeKeyLine(agentCommand: string, from: readonly string[], keyType: string, keyBase64: string): string {
  const v = parseWith(authorizedKeyLineSchema, { agentCommand, user: 'node', keyType, keyBase64 }, 'authorized key line');
  const fromOption = from.length > 0 ? `from="${from.map((f) => parseWith(authorizedKeysFromPattern, f, 'nodeChannel.from')).join(',')}",` : '';
  return `restrict,${fromOption}command="${v.agentCommand} node-serve" ${v.keyType} ${v.keyBase64}`;
}
