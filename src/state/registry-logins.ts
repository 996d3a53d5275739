/**
 * Logins for external private registries (`admin registry:add`), one object per registry host
 * under `registries/`, each sealed like app secrets under the KMS context
 * {cluster, purpose: registry-login, host}. The agent opens one when Swarm must pull from that
 * host; nothing else ever sees the password. ECR's short-lived tokens would be one more kind
 * of login here (a source the agent refreshes), not a change to how deploys use it.
 */
import * as z from 'zod';
import type { ObjectStore } from '../aws/state-store.ts';
import { openWith, parseEnvelope, sealWith, type KeyService } from '../core/envelope.ts';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { registryHostName, userName } from '../core/names.ts';
import { putJson } from './json.ts';

export const REGISTRY_LOGINS_PREFIX = 'registries/';
const key = (host: string) => `${REGISTRY_LOGINS_PREFIX}${host}`;

const metaSchema = z.looseObject({
  username: z.string().min(1).max(256),
  addedBy: userName,
  addedAt: z.iso.datetime(),
});
export type RegistryLoginInfo = { host: string } & z.output<typeof metaSchema>;

export class RegistryLogins {
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

  #context(host: string) {
    return { cluster: this.#cluster, purpose: 'registry-login', host };
  }

  /** Store (or replace) the login for `host`; `replaced` says whether there was one. */
  async put(host: string, login: { username: string; password: string }, by: string): Promise<{ replaced: boolean }> {
    const checked = parseWith(registryHostName, host, 'registry host');
    const meta = { username: login.username, addedBy: by, addedAt: this.#now().toISOString() };
    const envelope = await sealWith(this.#keys, this.#context(checked), login.password, meta);
    const existing = await this.#store.get(key(checked));
    await putJson(this.#store, key(checked), envelope, existing ? { ifMatch: existing.etag } : { ifNoneMatch: '*' });
    return { replaced: existing !== undefined };
  }

  /** Every stored registry with its username (never the password), in host order. */
  async list(): Promise<RegistryLoginInfo[]> {
    const keys = await this.#store.list(REGISTRY_LOGINS_PREFIX);
    const found = await Promise.all(
      keys.map(async ({ key: k }) => {
        const object = await this.#store.get(k);
        if (!object) return undefined;
        const meta = parseWith(metaSchema, parseEnvelope(object.body, 'registry login').meta, 'registry login: meta', { code: 'protocol' });
        return { host: k.slice(REGISTRY_LOGINS_PREFIX.length), ...meta };
      }),
    );
    return found.flatMap((f) => (f ? [f] : []));
  }

  /** The login for `host`, or undefined when none is stored. */
  async get(host: string): Promise<{ username: string; password: string } | undefined> {
    const checked = registryHostName.safeParse(host);
    if (!checked.success) return undefined;
    const object = await this.#store.get(key(checked.data));
    if (!object) return undefined;
    const envelope = parseEnvelope(object.body, 'registry login');
    const meta = parseWith(metaSchema, envelope.meta, 'registry login: meta', { code: 'protocol' });
    const plaintext = await openWith(this.#keys, this.#context(checked.data), envelope, 'registry login');
    try {
      return { username: meta.username, password: plaintext.toString('utf8') };
    } finally {
      plaintext.fill(0);
    }
  }

  /** Remove the login for `host`; 'not_found' when there is none. */
  async remove(host: string): Promise<void> {
    const checked = parseWith(registryHostName, host, 'registry host');
    const existing = await this.#store.get(key(checked));
    if (!existing) {
      throw new FutuswarmError('not_found', `no login is stored for the registry ${checked}`, { hint: 'futuswarm admin registry:list shows the registries' });
    }
    await this.#store.delete(key(checked), { ifMatch: existing.etag });
  }
}
