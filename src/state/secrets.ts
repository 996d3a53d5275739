/**
 * An app's secrets: one envelope-encrypted object (`apps/<app>/secrets`, KMS context
 * {cluster, app}) whose S3 versions are the history that releases pin and rollbacks restore.
 */
import type { ObjectStore, StoredObject, WriteResult } from '../aws/state-store.ts';
import { openWith, parseEnvelope, sealWith, type EnvelopeMeta, type KeyContext, type KeyService } from '../core/envelope.ts';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import {
  applySecretsChange,
  decodeSecrets,
  encodeSecrets,
  secretsDifference,
  secretsMetaSchema,
  type Secrets,
  type SecretsChange,
  type SecretsMeta,
} from '../core/secrets.ts';
import { checkApp, checkUser, isConflict, mapLimit, putJson, StateConcern } from './json.ts';
import { stateKeys } from './keys.ts';

export interface SecretsSnapshot {
  values: Secrets;
  /** S3 version of the secrets object; undefined when the app has never had secrets. */
  versionId: string | undefined;
  etag: string | undefined;
  meta: SecretsMeta | undefined;
}

export interface SecretsUpdate {
  values: Secrets;
  versionId: string | undefined;
  /** False when the change left the values as they were; nothing was stored then. */
  written: boolean;
  set: string[];
  unset: string[];
  changed: string[];
  /** Keys asked to be unset that were not there. */
  missing: string[];
  /** How many times the change was applied to freshly read values. */
  attempts: number;
}

export interface SecretsVersion {
  versionId: string;
  /** The writer's clock (meta), or S3's for delete markers. */
  time: string | undefined;
  user: string | undefined;
  set: string[];
  unset: string[];
  note: string | undefined;
  current: boolean;
  /** A delete marker: the secrets were removed at this point. */
  deleted: boolean;
}

export class AppSecrets extends StateConcern {
  readonly #keys: KeyService;
  readonly #cluster: string;

  constructor(options: { store: ObjectStore; keys: KeyService; cluster: string; now: () => Date }) {
    super(options.store, options.now);
    this.#keys = options.keys;
    this.#cluster = options.cluster;
  }

  #context(app: string): KeyContext {
    return { cluster: this.#cluster, app };
  }

  /** The app's secrets, now or at `versionId` (for rollback). An app without secrets has `{}`. */
  async read(app: string, options: { versionId?: string } = {}): Promise<SecretsSnapshot> {
    checkApp(app);
    const object = await this.store.get(stateKeys.secrets(app), options);
    if (!object) {
      if (options.versionId !== undefined) {
        throw new FutuswarmError('not_found', `secrets version ${options.versionId} of ${app} does not exist`, {
          hint: `list the versions: futuswarm app:secrets history -n ${app}`,
        });
      }
      return { values: {}, versionId: undefined, etag: undefined, meta: undefined };
    }
    return this.#openSecrets(app, object);
  }

  async #openSecrets(app: string, object: StoredObject): Promise<SecretsSnapshot> {
    const what = `secrets of ${app}`;
    const envelope = parseEnvelope(object.body, what);
    const meta = parseWith(secretsMetaSchema, envelope.meta, `${what}: meta`, { code: 'protocol' });
    const plaintext = await openWith(this.#keys, this.#context(app), envelope, what);
    try {
      return { values: decodeSecrets(plaintext, what), versionId: object.versionId, etag: object.etag, meta };
    } finally {
      plaintext.fill(0);
    }
  }

  async #writeSecrets(
    app: string,
    values: Secrets,
    meta: SecretsMeta,
    current: string | undefined,
  ): Promise<WriteResult & { versionId: string }> {
    const envelopeMeta: EnvelopeMeta = { user: meta.user, time: meta.time, set: meta.set, unset: meta.unset };
    if (meta.note !== undefined) envelopeMeta.note = meta.note;
    const envelope = await sealWith(this.#keys, this.#context(app), encodeSecrets(values), envelopeMeta);
    const written = await putJson(this.store, 
      stateKeys.secrets(app),
      envelope,
      current === undefined ? { ifNoneMatch: '*' } : { ifMatch: current },
    );
    if (written.versionId === undefined) {
      // Releases pin secrets by S3 version; without versioning rollback would be a lie.
      throw new FutuswarmError('config', 'the state bucket is not versioned', {
        hint: 'enable versioning: futuswarm admin cluster:bootstrap',
      });
    }
    return { ...written, versionId: written.versionId };
  }

  /**
   * Read, change and store the app's secrets as one new version.
   *
   * `mutate` gets the current values and returns the change (keys to set / unset); it must be
   * pure, because a concurrent writer makes it run again: on a lost If-Match race the values
   * are read afresh and `mutate` is applied to them again, up to `retries` times (default 2).
   * A set/unset of named keys means the same on fresh data, so this never loses the other
   * writer's change; a mutation that depends on what it saw still sees the truth. When the
   * retries are used up (or with `retries: 0`), a `conflict` error names the command to re-run.
   * A change that leaves the values as they are stores nothing (`written: false`).
   */
  async update(
    app: string,
    user: string,
    mutate: (current: Secrets) => SecretsChange,
    options: { retries?: number; note?: string; rerun?: string } = {},
  ): Promise<SecretsUpdate> {
    checkApp(app);
    checkUser(user);
    const retries = options.retries ?? 2;
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(app);
      const applied = applySecretsChange(current.values, mutate(current.values));
      const result = { set: applied.set, unset: applied.unset, changed: applied.changed, missing: applied.missing, attempts: attempt };
      if (applied.changed.length === 0) {
        return { ...result, values: current.values, versionId: current.versionId, written: false };
      }
      const meta: SecretsMeta = { user, time: this.now().toISOString(), set: applied.set, unset: applied.unset };
      if (options.note !== undefined) meta.note = options.note;
      try {
        const written = await this.#writeSecrets(app, applied.values, meta, current.etag);
        return { ...result, values: applied.values, versionId: written.versionId, written: true };
      } catch (e) {
        if (!isConflict(e)) throw e;
        if (attempt <= retries) continue;
        throw new FutuswarmError('conflict', `secrets of ${app} were changed by someone else while this change was being saved`, {
          hint: `check them with futuswarm app:secrets list -n ${app}, then re-run: ${options.rerun ?? `futuswarm app:secrets set -n ${app} …`}`,
          details: { app, attempts: attempt },
          cause: e,
        });
      }
    }
  }

  /**
   * Make the values of `versionId` current again, as a new version (history keeps both).
   * Works even when the current version cannot be decrypted. Conflicts are not retried:
   * a restore replaces everything, so it must not silently override a change made meanwhile.
   */
  async restore(app: string, user: string, versionId: string, options: { note?: string } = {}): Promise<SecretsUpdate> {
    checkApp(app);
    checkUser(user);
    const old = await this.read(app, { versionId });
    const head = await this.store.get(stateKeys.secrets(app));
    let current: Secrets | undefined;
    if (head) current = await this.#openSecrets(app, head).then((s) => s.values, () => undefined);
    // An unreadable current version counts as none: every key of the old one is set again.
    const { set, unset } = secretsDifference(current ?? {}, old.values);
    const meta: SecretsMeta = {
      user,
      time: this.now().toISOString(),
      set,
      unset,
      note: options.note ?? `restore of ${versionId}`,
    };
    try {
      const written = await this.#writeSecrets(app, old.values, meta, head?.etag);
      return { values: old.values, versionId: written.versionId, written: true, set, unset, changed: [...set, ...unset].sort(), missing: [], attempts: 1 };
    } catch (e) {
      if (!isConflict(e)) throw e;
      throw new FutuswarmError('conflict', `secrets of ${app} were changed by someone else during the restore`, {
        hint: `check the history with futuswarm app:secrets history -n ${app}, then re-run the restore`,
        cause: e,
      });
    }
  }

  /**
   * Versions of the app's secrets, newest first: who, when, which keys. Reads the clear-text
   * meta of each version without KMS; it is authenticated when that version is decrypted.
   */
  async history(app: string, options: { limit?: number } = {}): Promise<SecretsVersion[]> {
    checkApp(app);
    const key = stateKeys.secrets(app);
    const versions = (await this.store.versions(key)).slice(0, options.limit ?? 50);
    return mapLimit(versions, 8, async (v): Promise<SecretsVersion> => {
      const base = { versionId: v.versionId, current: v.isLatest, deleted: v.deleteMarker };
      const fallback = { ...base, time: v.lastModified?.toISOString(), user: undefined, set: [], unset: [], note: undefined };
      if (v.deleteMarker) return fallback;
      const object = await this.store.get(key, { versionId: v.versionId });
      if (!object) return fallback;
      // One unreadable version must not hide the rest of the history.
      let envelopeMeta: unknown;
      try {
        envelopeMeta = parseEnvelope(object.body, `secrets of ${app}`).meta;
      } catch {
        return fallback;
      }
      const meta = secretsMetaSchema.safeParse(envelopeMeta);
      if (!meta.success) return fallback;
      return { ...base, time: meta.data.time, user: meta.data.user, set: meta.data.set, unset: meta.data.unset, note: meta.data.note };
    });
  }
}
