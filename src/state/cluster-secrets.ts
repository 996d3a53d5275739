/**
 * The cluster's own secrets in the state bucket, each sealed with the cluster key under its own
 * KMS context ({cluster, purpose}): the node key (managers → other nodes, for app:exec) and the
 * password the agents bind to LDAP with. The agent reads them; `admin cluster:bootstrap` and
 * `admin cluster:ldap-password` write them with the same code, so managers open exactly what
 * was written.
 */
import * as z from 'zod';
import type { ObjectStore, PutCondition, WriteResult } from '../aws/state-store.ts';
import { openWith, parseEnvelope, sealWith, type KeyContext, type KeyService } from '../core/envelope.ts';
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { ldapBindPassword } from '../core/ldap-bind-password.ts';
import { LDAP_BIND_PASSWORD_OBJECT_KEY, NODE_KEY_OBJECT_KEY } from '../core/plan-names.ts';
import { putJson } from './json.ts';

const nodeKeyMetaSchema = z.looseObject({ publicKey: z.string().min(1) });

export interface NodeKey {
  /** OpenSSH private key file contents. */
  privateKey: string;
  /** `type base64 comment`, the line nodes accept. */
  publicKey: string;
}

export class ClusterSecrets {
  readonly #store: ObjectStore;
  readonly #keys: KeyService;
  readonly #cluster: string;
  readonly #now: () => Date;

  constructor(options: { store: ObjectStore; keys: KeyService; cluster: string; now?: () => Date }) {
    this.#store = options.store;
    this.#keys = options.keys;
    this.#cluster = options.cluster;
    this.#now = options.now ?? (() => new Date());
  }

  #put(key: string, value: unknown, condition: PutCondition): Promise<WriteResult> {
    return putJson(this.#store, key, value, condition);
  }

  /**
   * The cluster's node key: created once (If-None-Match, so concurrent first managers agree on
   * one), sealed under the context {cluster, purpose: node-key}. `generate` makes a new pair
   * only when there is none yet.
   */
  async ensureNodeKey(generate: () => Promise<NodeKey>): Promise<{ publicKey: string; created: boolean }> {
    const existing = await this.#store.get(NODE_KEY_OBJECT_KEY);
    if (existing) {
      const meta = parseWith(nodeKeyMetaSchema, parseEnvelope(existing.body, 'node key').meta, 'node key: meta', { code: 'protocol' });
      return { publicKey: meta.publicKey, created: false };
    }
    const pair = await generate();
    const envelope = await sealWith(this.#keys, this.#nodeKeyContext(), pair.privateKey, { publicKey: pair.publicKey, time: this.#now().toISOString() });
    try {
      await this.#put(NODE_KEY_OBJECT_KEY, envelope, { ifNoneMatch: '*' });
      return { publicKey: pair.publicKey, created: true };
    } catch (e) {
      if (!isFutuswarmError(e) || e.code !== 'conflict') throw e;
      return this.ensureNodeKey(generate); // another manager made it first: use theirs
    }
  }

  /** The node key's private half (OpenSSH PEM) and public line. */
  async readNodeKey(): Promise<NodeKey> {
    const object = await this.#store.get(NODE_KEY_OBJECT_KEY);
    if (!object) {
      throw new FutuswarmError('unavailable', 'this cluster has no node key, so managers cannot reach other nodes', {
        hint: 'an admin runs `futuswarm-agent node-key:ensure` on a manager (cluster:bootstrap does it)',
      });
    }
    const envelope = parseEnvelope(object.body, 'node key');
    const meta = parseWith(nodeKeyMetaSchema, envelope.meta, 'node key: meta', { code: 'protocol' });
    const plaintext = await openWith(this.#keys, this.#nodeKeyContext(), envelope, 'node key');
    try {
      return { privateKey: plaintext.toString('utf8'), publicKey: meta.publicKey };
    } finally {
      plaintext.fill(0);
    }
  }

  #nodeKeyContext(): KeyContext {
    return { cluster: this.#cluster, purpose: 'node-key' };
  }

  /**
   * Store the password the agents bind to LDAP with, sealed under the context
   * {cluster, purpose: ldap-bind-password}. Replaces the one stored before.
   */
  async storeLdapBindPassword(password: string, by: string): Promise<{ replaced: boolean }> {
    const checked = parseWith(ldapBindPassword, password, 'LDAP bind password');
    const existing = await this.#store.get(LDAP_BIND_PASSWORD_OBJECT_KEY);
    const envelope = await sealWith(this.#keys, this.#ldapBindContext(), checked, { by, time: this.#now().toISOString() });
    await this.#put(LDAP_BIND_PASSWORD_OBJECT_KEY, envelope, existing ? { ifMatch: existing.etag } : { ifNoneMatch: '*' });
    return { replaced: existing !== undefined };
  }

  /** The stored LDAP bind password; 'unavailable' (naming the command that stores it) when there is none. */
  async readLdapBindPassword(): Promise<string> {
    const object = await this.#store.get(LDAP_BIND_PASSWORD_OBJECT_KEY);
    if (!object) {
      throw new FutuswarmError('unavailable', 'no LDAP bind password is stored for this cluster, so the agent cannot bind to LDAP', {
        hint: 'an admin stores it: futuswarm admin cluster:ldap-password -f <cluster file> (reads it from standard input)',
      });
    }
    const plaintext = await openWith(this.#keys, this.#ldapBindContext(), parseEnvelope(object.body, 'LDAP bind password'), 'LDAP bind password');
    try {
      return parseWith(ldapBindPassword, plaintext.toString('utf8'), 'LDAP bind password', { code: 'protocol' });
    } finally {
      plaintext.fill(0);
    }
  }

  #ldapBindContext(): KeyContext {
    return { cluster: this.#cluster, purpose: 'ldap-bind-password' };
  }
}
