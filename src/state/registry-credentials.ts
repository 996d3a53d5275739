/**
 * The cluster registry's credentials, sealed in the state bucket under the KMS context
 * {cluster, purpose: registry}: the password of its one account (its bcrypt line for the
 * registry's htpasswd file) and the HTTP secret its instances share. Made once, by the first
 * `registry:deploy` (create-if-absent, so two managers agree on one); only agents read them.
 */
import * as z from 'zod';
import type { ObjectStore } from '../aws/state-store.ts';
import { openWith, parseEnvelope, sealWith, type KeyContext, type KeyService } from '../core/envelope.ts';
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { putJson } from './json.ts';

export const REGISTRY_CREDENTIALS_OBJECT_KEY = 'cluster/registry-credentials';

const credentialsSchema = z.strictObject({
  username: z.string().min(1),
  password: z.string().min(32),
  /** `user:bcrypt-hash`, the registry's htpasswd line. */
  htpasswd: z.string().regex(/^[^:\s]+:\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/),
  httpSecret: z.string().min(32),
});
export type RegistryCredentials = z.output<typeof credentialsSchema>;

export class RegistryCredentialStore {
  readonly #store: ObjectStore;
  readonly #keys: KeyService;
  readonly #context: KeyContext;
  #cached: RegistryCredentials | undefined;

  constructor(options: { store: ObjectStore; keys: KeyService; cluster: string }) {
    this.#store = options.store;
    this.#keys = options.keys;
    this.#context = { cluster: options.cluster, purpose: 'registry' };
  }

  /** The stored credentials, or new ones from `generate` when there are none yet. */
  async ensure(generate: () => Promise<RegistryCredentials>): Promise<{ credentials: RegistryCredentials; created: boolean }> {
    const existing = await this.read().catch((e: unknown) => {
      if (isFutuswarmError(e) && e.code === 'unavailable') return undefined;
      throw e;
    });
    if (existing) return { credentials: existing, created: false };
    const fresh = parseWith(credentialsSchema, await generate(), 'registry credentials');
    const envelope = await sealWith(this.#keys, this.#context, JSON.stringify(fresh), { username: fresh.username });
    try {
      await putJson(this.#store, REGISTRY_CREDENTIALS_OBJECT_KEY, envelope, { ifNoneMatch: '*' });
      this.#cached = fresh;
      return { credentials: fresh, created: true };
    } catch (e) {
      if (!isFutuswarmError(e) || e.code !== 'conflict') throw e;
      return { credentials: await this.read(), created: false }; // another manager was first
    }
  }

  /** 'unavailable' (naming the command that makes them) when the registry was never deployed. */
  async read(): Promise<RegistryCredentials> {
    if (this.#cached) return this.#cached;
    const object = await this.#store.get(REGISTRY_CREDENTIALS_OBJECT_KEY);
    if (!object) {
      throw new FutuswarmError('unavailable', 'this cluster has no image registry yet', {
        hint: 'an admin deploys it: futuswarm admin registry:deploy (cluster:bootstrap and the local cluster do)',
      });
    }
    const plaintext = await openWith(this.#keys, this.#context, parseEnvelope(object.body, 'registry credentials'), 'registry credentials');
    try {
      let data: unknown;
      try {
        data = JSON.parse(plaintext.toString('utf8'));
      } catch {
        throw new FutuswarmError('protocol', 'registry credentials: the sealed value is not JSON');
      }
      this.#cached = parseWith(credentialsSchema, data, 'registry credentials', { code: 'protocol' });
      return this.#cached;
    } finally {
      plaintext.fill(0);
    }
  }
}
