/**
 * The cluster state the agent keeps outside the swarm, in the state bucket:
 *
 *   apps/<app>/secrets          envelope-encrypted KEY → value map (KMS context {cluster, app})
 *   apps/<app>/releases/<n>     JSON release record, written once (If-None-Match)
 *   apps/<app>/settings         JSON object (port, replicas, domains, health check, …)
 *   apps/<app>/acl              JSON {owners, …}; created once, so one app has one first owner
 *   apps/<app>/lock             JSON {token, user, op, message, since, expiresAt}
 *   audit/<yyyy>/<mm>/<dd>/<HHMMSS.mmm>Z-<random>.json   one record per mutating request
 *
 * Every write is conditional on what was read (If-Match on its ETag, If-None-Match `*` to
 * create), so two agents changing the same app never lose an update silently.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ObjectStore, PutCondition, StoredObject, WriteResult } from '../aws/state-store.ts';
import {
  canonicalJson,
  openWith,
  parseEnvelope,
  sealWith,
  type EnvelopeMeta,
  type KeyContext,
  type KeyService,
} from '../core/envelope.ts';
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { LDAP_BIND_PASSWORD_OBJECT_KEY, NODE_KEY_OBJECT_KEY } from '../core/plan-names.ts';
import { appName, describeLockHolder, userName } from '../core/names.ts';
import { parseSshPublicKey } from '../core/ssh-public-key.ts';
import { AppRecords } from '../state/app-records.ts';
import { ClusterSecrets } from '../state/cluster-secrets.ts';
import { ImageRecords } from '../state/images.ts';
import { RegistryCredentialStore } from '../state/registry-credentials.ts';
import { RegistryBlobs } from '../state/registry-blobs.ts';
import { RegistryLogins } from '../state/registry-logins.ts';
import {
  applySecretsChange,
  decodeSecrets,
  encodeSecrets,
  secretsMetaSchema,
  type Secrets,
  type SecretsChange,
  type SecretsMeta,
} from '../core/secrets.ts';

export const stateKeys = {
  app: (app: string) => `apps/${app}/`,
  secrets: (app: string) => `apps/${app}/secrets`,
  settings: (app: string) => `apps/${app}/settings`,
  acl: (app: string) => `apps/${app}/acl`,
  lock: (app: string) => `apps/${app}/lock`,
  releases: (app: string) => `apps/${app}/releases/`,
  /** One object per extra host name: whoever creates it first owns the name. */
  domain: (host: string) => `domains/${host}`,
  release: (app: string, n: number) => `apps/${app}/releases/${n}`,
  audit: 'audit/',
  /** The cluster's node key (managers → nodes, for app:exec on other nodes), KMS-sealed. */
  nodeKey: NODE_KEY_OBJECT_KEY,
  /** The password the agent binds to LDAP with, KMS-sealed (admin cluster:ldap-password stores it). */
  ldapBindPassword: LDAP_BIND_PASSWORD_OBJECT_KEY,
  /** One object per node address: the SSH host keys managers check when they connect to it. */
  node: (addr: string) => `nodes/${addr}`,
};

const isoTime = z.iso.datetime();
const jsonObject = z.record(z.string(), z.unknown());

/** A node's address as Swarm reports it: an IPv4 or IPv6 address. */
const nodeAddr = z.union([z.ipv4(), z.ipv6()]);
const nodeRecordSchema = z.strictObject({
  addr: nodeAddr,
  hostname: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'must be a host name'),
  /** `type base64` lines, as in a known_hosts file without the host column. */
  hostKeys: z
    .array(z.string().refine((s) => parseSshPublicKey(s) !== undefined, 'must be an SSH public key "type base64"'))
    .min(1)
    .max(10),
  registeredAt: isoTime,
});
export type NodeRecord = z.output<typeof nodeRecordSchema>;
export type { NodeKey } from '../state/cluster-secrets.ts';

// ───────────────────────────── types ─────────────────────────────

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

export const releaseSchema = z.looseObject({
  n: z.number().int().min(1),
  /** Repository as deployed, e.g. acme/shop. */
  image: z.string().min(1),
  tag: z.string().optional(),
  /** Repo digest as resolved on the manager (sha256:…). */
  imageDigest: z.string().optional(),
  /** Local image id, for images that have no repo digest. */
  imageId: z.string().optional(),
  /** S3 version of apps/<app>/secrets that the release runs with; null when it has none. */
  secretsVersion: z.string().nullable(),
  settingsHash: z.string(),
  settings: jsonObject,
  user: userName,
  time: isoTime,
  note: z.string().max(500).optional(),
  rollbackOf: z.number().int().min(1).optional(),
});
export type Release = z.output<typeof releaseSchema>;
const releaseInputSchema = releaseSchema.omit({ n: true }).partial({ time: true, settingsHash: true });
/** What a deploy hands to recordRelease; n, time and settingsHash are filled in. */
export type ReleaseInput = z.input<typeof releaseInputSchema>;

const aclSchema = z.looseObject({
  owners: z.array(userName).min(1),
  createdBy: userName,
  createdAt: isoTime,
  updatedBy: userName.optional(),
  updatedAt: isoTime.optional(),
});
export type AppOwners = z.output<typeof aclSchema> & { etag: string };

const lockSchema = z.looseObject({
  token: z.string().min(16),
  user: userName,
  op: z.string().min(1).max(100),
  message: z.string().max(500).optional(),
  since: isoTime,
  expiresAt: isoTime,
});

export interface LockInfo {
  app: string;
  user: string;
  op: string;
  message: string | undefined;
  since: string;
  expiresAt: string;
  /** An expired lock blocks nobody; the next acquire takes it over. */
  expired: boolean;
}

/** What the holder keeps; the token is the only way to renew or release. */
export interface LockHandle extends LockInfo {
  token: string;
  /** The expired lock this acquire took over, if any. */
  tookOver: LockInfo | undefined;
}

export interface LockRequest {
  user: string;
  /** What the lock is for, e.g. `app.deploy` or `maintenance`. */
  op: string;
  message?: string;
  /** Default 600 s; renew long operations with renewLock. */
  ttlSeconds?: number;
  /** Keep trying this long before failing with `locked` (default 0: fail at once). */
  waitSeconds?: number;
}

export const auditRecordSchema = z.looseObject({
  v: z.literal(1),
  id: z.string(),
  time: isoTime,
  user: userName,
  op: z.string().min(1),
  app: appName.optional(),
  /** The request's arguments with secret values replaced by their keys. */
  args: jsonObject.optional(),
  result: z.enum(['ok', 'error']),
  /** The error code when result is `error`. */
  code: z.string().optional(),
  message: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
});
export type AuditRecord = z.output<typeof auditRecordSchema>;

export interface AuditInput {
  user: string;
  op: string;
  app?: string;
  args?: Record<string, unknown>;
  result: 'ok' | 'error';
  code?: string;
  message?: string;
  durationMs?: number;
  time?: Date;
  /** More argument names whose values are secret, besides SECRET_ARG_NAMES. */
  redact?: readonly string[];
  /**
   * Secret values known to the caller (e.g. the values being set): any string in `args` or
   * `message` that contains one is replaced — a net under the name-based redaction.
   */
  scrub?: readonly string[];
}

export interface AuditFilter {
  app?: string;
  user?: string;
  op?: string;
  since?: Date;
  until?: Date;
  /** Newest records first; at most this many. */
  limit?: number;
}

export interface AppStateOptions {
  store: ObjectStore;
  keys: KeyService;
  /** Part of every app's KMS encryption context. */
  cluster: string;
  /** Injected for tests of lock expiry. */
  now?: () => Date;
}

// ───────────────────────────── helpers ─────────────────────────────

/** Argument names whose values are secrets, at any depth of an audit record's args. */
export const SECRET_ARG_NAMES: readonly string[] = ['set', 'values', 'secrets', 'env', 'value', 'password', 'token', 'secret'];

/**
 * Replace secret argument values: a KEY → value map becomes its sorted keys, `KEY=value`
 * strings become `KEY`, anything else `[redacted]`.
 */
export function redactArgs(args: Record<string, unknown>, names: readonly string[] = SECRET_ARG_NAMES): Record<string, unknown> {
  const secret = new Set(names);
  const redactValue = (value: unknown): unknown => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.keys(value).sort();
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      return value.map((v) => (v.includes('=') ? v.slice(0, v.indexOf('=')) : '[redacted]'));
    }
    return '[redacted]';
  };
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, secret.has(k) ? redactValue(v) : walk(v)]),
    );
  };
  return walk(args) as Record<string, unknown>;
}

/** Replace every string that contains one of `values` (empty values are ignored). */
function scrubValues<T>(value: T, values: readonly string[]): T {
  const needles = values.filter((v) => v.length > 0);
  if (needles.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return needles.some((n) => v.includes(n)) ? '[redacted]' : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** A stable hash of an app's settings, recorded in releases. */
export function hashSettings(settings: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(settings)).digest('hex')}`;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const isConflict = (e: unknown): boolean => isFutuswarmError(e) && e.code === 'conflict';

function parseJson(object: StoredObject, what: string): unknown {
  try {
    return JSON.parse(object.body.toString('utf8'));
  } catch {
    throw new FutuswarmError('protocol', `${what}: stored object is not JSON`);
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function auditKeyTime(t: Date): string {
  return (
    `audit/${t.getUTCFullYear()}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/` +
    `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}.${pad(t.getUTCMilliseconds(), 3)}`
  );
}

const AUDIT_KEY_RE = /^audit\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})(\d{2})(\d{2})\.(\d{3})Z-[0-9a-f]+\.json$/;

function auditKeyDate(key: string): Date | undefined {
  const m = AUDIT_KEY_RE.exec(key);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!));
}

// ───────────────────────────── the repository ─────────────────────────────

export class AppState {
  readonly cluster: string;
  /** Apps made with app:create, before or without a deploy (src/state/app-records.ts). */
  readonly apps: AppRecords;
  /** The node key and the LDAP bind password (src/state/cluster-secrets.ts). */
  readonly clusterSecrets: ClusterSecrets;
  /** What was pushed into each app's repository (src/state/images.ts). */
  readonly images: ImageRecords;
  /** The cluster registry's own account (src/state/registry-credentials.ts). */
  readonly registryCredentials: RegistryCredentialStore;
  /** Logins for external private registries (src/state/registry-logins.ts). */
  readonly registryLogins: RegistryLogins;
  /** The cluster registry's layers in the bucket (src/state/registry-blobs.ts). */
  readonly registryBlobs: RegistryBlobs;
  readonly #store: ObjectStore;
  readonly #keys: KeyService;
  readonly #now: () => Date;

  constructor(options: AppStateOptions) {
    if (!options.cluster) throw new FutuswarmError('config', 'cluster name is empty');
    this.cluster = options.cluster;
    this.#store = options.store;
    this.#keys = options.keys;
    this.#now = options.now ?? (() => new Date());
    this.apps = new AppRecords(options.store, this.#now);
    this.clusterSecrets = new ClusterSecrets({ store: options.store, keys: options.keys, cluster: options.cluster, now: this.#now });
    this.images = new ImageRecords(options.store, this.#now);
    this.registryCredentials = new RegistryCredentialStore({ store: options.store, keys: options.keys, cluster: options.cluster });
    this.registryLogins = new RegistryLogins({ store: options.store, keys: options.keys, cluster: options.cluster, now: this.#now });
    this.registryBlobs = new RegistryBlobs(options.store);
  }

  #app(app: string): string {
    return parseWith(appName, app, 'app');
  }

  #user(user: string, what = 'user'): string {
    return parseWith(userName, user, what);
  }

  #context(app: string): KeyContext {
    return { cluster: this.cluster, app };
  }

  #put(key: string, value: unknown, condition: PutCondition): Promise<WriteResult> {
    return this.#store.put(key, JSON.stringify(value), { ...condition, contentType: 'application/json' });
  }

  // ─────────────── secrets ───────────────

  /** The app's secrets, now or at `versionId` (for rollback). An app without secrets has `{}`. */
  async readSecrets(app: string, options: { versionId?: string } = {}): Promise<SecretsSnapshot> {
    this.#app(app);
    const object = await this.#store.get(stateKeys.secrets(app), options);
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
    const written = await this.#put(
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
  async updateSecrets(
    app: string,
    user: string,
    mutate: (current: Secrets) => SecretsChange,
    options: { retries?: number; note?: string; rerun?: string } = {},
  ): Promise<SecretsUpdate> {
    this.#app(app);
    this.#user(user);
    const retries = options.retries ?? 2;
    for (let attempt = 1; ; attempt++) {
      const current = await this.readSecrets(app);
      const applied = applySecretsChange(current.values, mutate(current.values));
      const result = { set: applied.set, unset: applied.unset, changed: applied.changed, missing: applied.missing, attempts: attempt };
      if (applied.changed.length === 0) {
        return { ...result, values: current.values, versionId: current.versionId, written: false };
      }
      const meta: SecretsMeta = { user, time: this.#now().toISOString(), set: applied.set, unset: applied.unset };
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
  async restoreSecrets(app: string, user: string, versionId: string, options: { note?: string } = {}): Promise<SecretsUpdate> {
    this.#app(app);
    this.#user(user);
    const old = await this.readSecrets(app, { versionId });
    const head = await this.#store.get(stateKeys.secrets(app));
    let current: Secrets | undefined;
    if (head) current = await this.#openSecrets(app, head).then((s) => s.values, () => undefined);
    const set = Object.keys(old.values)
      .filter((k) => current === undefined || !Object.hasOwn(current, k) || current[k] !== old.values[k])
      .sort();
    const unset = Object.keys(current ?? {}).filter((k) => !Object.hasOwn(old.values, k)).sort();
    const meta: SecretsMeta = {
      user,
      time: this.#now().toISOString(),
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
  async secretsHistory(app: string, options: { limit?: number } = {}): Promise<SecretsVersion[]> {
    this.#app(app);
    const key = stateKeys.secrets(app);
    const versions = (await this.#store.versions(key)).slice(0, options.limit ?? 50);
    return mapLimit(versions, 8, async (v): Promise<SecretsVersion> => {
      const base = { versionId: v.versionId, current: v.isLatest, deleted: v.deleteMarker };
      const fallback = { ...base, time: v.lastModified?.toISOString(), user: undefined, set: [], unset: [], note: undefined };
      if (v.deleteMarker) return fallback;
      const object = await this.#store.get(key, { versionId: v.versionId });
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

  // ─────────────── releases ───────────────

  async #releaseNumbers(app: string): Promise<number[]> {
    const prefix = stateKeys.releases(app);
    return (await this.#store.list(prefix))
      .map((o) => o.key.slice(prefix.length))
      .filter((rest) => /^[1-9][0-9]*$/.test(rest))
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** The number the next release of the app gets (1 for the first). */
  async nextRelease(app: string): Promise<number> {
    this.#app(app);
    const numbers = await this.#releaseNumbers(app);
    return (numbers.at(-1) ?? 0) + 1;
  }

  /** Store release `release.n`; fails with `conflict` if that number is taken. */
  async putRelease(app: string, release: Release): Promise<Release> {
    this.#app(app);
    const record = parseWith(releaseSchema, release, `release of ${app}`, { code: 'internal' });
    try {
      await this.#put(stateKeys.release(app, record.n), record, { ifNoneMatch: '*' });
    } catch (e) {
      if (!isConflict(e)) throw e;
      throw new FutuswarmError('conflict', `release ${record.n} of ${app} was recorded by another deploy first`, {
        hint: `see futuswarm app:releases -n ${app}, then re-run the deploy`,
        cause: e,
      });
    }
    return record;
  }

  /** Number, time and settings hash filled in, then putRelease. */
  async recordRelease(app: string, input: ReleaseInput): Promise<Release> {
    const n = await this.nextRelease(app);
    return this.putRelease(app, {
      ...input,
      n,
      time: input.time ?? this.#now().toISOString(),
      settingsHash: input.settingsHash ?? hashSettings(input.settings),
    });
  }

  async getRelease(app: string, n: number): Promise<Release | undefined> {
    this.#app(app);
    if (!Number.isInteger(n) || n < 1) throw new FutuswarmError('invalid_input', `release: ${n} is not a release number`);
    const object = await this.#store.get(stateKeys.release(app, n));
    if (!object) return undefined;
    return parseWith(releaseSchema, parseJson(object, `release ${n} of ${app}`), `release ${n} of ${app}`, { code: 'protocol' });
  }

  /** Newest first. */
  async listReleases(app: string, options: { limit?: number } = {}): Promise<Release[]> {
    this.#app(app);
    const numbers = (await this.#releaseNumbers(app)).reverse().slice(0, options.limit ?? Infinity);
    const releases = await mapLimit(numbers, 8, (n) => this.getRelease(app, n));
    return releases.filter((r): r is Release => r !== undefined);
  }

  async latestRelease(app: string): Promise<Release | undefined> {
    return (await this.listReleases(app, { limit: 1 }))[0];
  }

  // ─────────────── settings ───────────────

  /** The app's settings and the ETag to pass back to putSettings; undefined if none yet. */
  async getSettings<T = Record<string, unknown>>(
    app: string,
    schema?: z.ZodType<T>,
  ): Promise<{ settings: T; etag: string } | undefined> {
    this.#app(app);
    const object = await this.#store.get(stateKeys.settings(app));
    if (!object) return undefined;
    const data = parseJson(object, `settings of ${app}`);
    const settings = parseWith(schema ?? jsonObject, data, `settings of ${app}`, { code: 'protocol' }) as T;
    return { settings, etag: object.etag };
  }

  /**
   * Store the app's settings. `etag` is what getSettings returned (undefined: create them);
   * a change made meanwhile by someone else fails with `conflict`.
   */
  async putSettings<T = Record<string, unknown>>(
    app: string,
    settings: T,
    etag: string | undefined,
    schema?: z.ZodType<T>,
  ): Promise<{ etag: string; versionId: string | undefined }> {
    this.#app(app);
    const value = parseWith(schema ?? jsonObject, settings, `settings of ${app}`);
    try {
      return await this.#put(stateKeys.settings(app), value, etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag });
    } catch (e) {
      if (!isConflict(e)) throw e;
      throw new FutuswarmError('conflict', `settings of ${app} were changed by someone else meanwhile`, {
        hint: 're-run the command',
        cause: e,
      });
    }
  }

  // ─────────────── owners ───────────────

  async getOwners(app: string): Promise<AppOwners | undefined> {
    this.#app(app);
    const object = await this.#store.get(stateKeys.acl(app));
    if (!object) return undefined;
    const acl = parseWith(aclSchema, parseJson(object, `owners of ${app}`), `owners of ${app}`, { code: 'protocol' });
    return { ...acl, etag: object.etag };
  }

  /**
   * Make `user` the first owner of an app that has none. Atomic: of two users claiming the
   * same new name at once, exactly one gets `created: true`; the other sees the winner.
   */
  async claimOwnership(app: string, user: string): Promise<{ created: boolean; owners: AppOwners }> {
    this.#app(app);
    this.#user(user);
    const acl = { owners: [user], createdBy: user, createdAt: this.#now().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const written = await this.#put(stateKeys.acl(app), acl, { ifNoneMatch: '*' });
        return { created: true, owners: { ...acl, etag: written.etag } };
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
      const existing = await this.getOwners(app);
      if (existing) return { created: false, owners: existing };
      // The owners were removed between the two requests: try again.
    }
    throw new FutuswarmError('conflict', `ownership of ${app} is changing too fast to claim`, { hint: 're-run the command' });
  }

  async #changeOwners(app: string, by: string, change: (owners: string[]) => string[] | undefined): Promise<AppOwners> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.getOwners(app);
      if (!current) {
        throw new FutuswarmError('not_found', `app ${app} has no owners`, {
          hint: `the first deploy makes its user the owner: futuswarm app:deploy -n ${app} …`,
        });
      }
      const owners = change([...current.owners]);
      if (!owners) return current;
      const { etag: _, ...rest } = current;
      const acl = { ...rest, owners, updatedBy: by, updatedAt: this.#now().toISOString() };
      try {
        const written = await this.#put(stateKeys.acl(app), acl, { ifMatch: current.etag });
        return { ...acl, etag: written.etag };
      } catch (e) {
        // Owner changes are set operations: applying them to fresh data is always right.
        if (!isConflict(e)) throw e;
      }
    }
    throw new FutuswarmError('conflict', `owners of ${app} are changing too fast`, { hint: 're-run the command' });
  }

  async addOwner(app: string, by: string, user: string): Promise<AppOwners> {
    this.#app(app);
    this.#user(by, 'by');
    this.#user(user);
    return this.#changeOwners(app, by, (owners) => (owners.includes(user) ? undefined : [...owners, user].sort()));
  }

  /** Refuses to remove the last owner: an app always has someone who can act on it. */
  async removeOwner(app: string, by: string, user: string): Promise<AppOwners> {
    this.#app(app);
    this.#user(by, 'by');
    this.#user(user);
    return this.#changeOwners(app, by, (owners) => {
      if (!owners.includes(user)) {
        throw new FutuswarmError('not_found', `${user} is not an owner of ${app}`, { hint: `see futuswarm app:owners -n ${app}` });
      }
      if (owners.length === 1) {
        throw new FutuswarmError('invalid_input', `${user} is the last owner of ${app}`, {
          hint: `add another owner first (futuswarm app:owners -n ${app} add USER), or remove the app`,
        });
      }
      return owners.filter((o) => o !== user);
    });
  }

  /** Forget the app's owners (app:remove), so the name can be claimed again. */
  async deleteOwners(app: string): Promise<void> {
    this.#app(app);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.#store.get(stateKeys.acl(app));
      if (!current) return;
      try {
        await this.#store.delete(stateKeys.acl(app), { ifMatch: current.etag });
        return;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new FutuswarmError('conflict', `owners of ${app} are changing too fast`, { hint: 're-run the command' });
  }

  // ─────────────── locks ───────────────

  #lockInfo(app: string, lock: z.output<typeof lockSchema>): LockInfo {
    return {
      app,
      user: lock.user,
      op: lock.op,
      message: lock.message,
      since: lock.since,
      expiresAt: lock.expiresAt,
      expired: Date.parse(lock.expiresAt) <= this.#now().getTime(),
    };
  }

  async #readLock(app: string): Promise<{ lock: z.output<typeof lockSchema>; info: LockInfo; etag: string } | undefined> {
    const object = await this.#store.get(stateKeys.lock(app));
    if (!object) return undefined;
    const lock = parseWith(lockSchema, parseJson(object, `lock of ${app}`), `lock of ${app}`, { code: 'protocol' });
    return { lock, info: this.#lockInfo(app, lock), etag: object.etag };
  }

  #lockedError(holder: LockInfo, waitedSeconds?: number): FutuswarmError {
    const what = `${describeLockHolder(holder)}${waitedSeconds ? `; waited ${waitedSeconds}s for it` : ''}`;
    // A maintenance lock (app:lock) stays until someone releases it; an op's lock ends with the op.
    const hint = holder.op === 'app.lock'
      ? `it holds until someone runs futuswarm app:unlock -n ${holder.app}, at the latest until ${holder.expiresAt}; see futuswarm app:lock -n ${holder.app} --status`
      : `wait until it is released or expires at ${holder.expiresAt}, or retry with --lock-wait; see futuswarm app:lock -n ${holder.app} --status`;
    return new FutuswarmError('locked', `${holder.app} is locked by ${holder.user} since ${holder.since} (${what})`, {
      hint,
      details: { lock: holder },
    });
  }

  /** The app's lock, expired or not; undefined when nobody holds it. */
  async lockStatus(app: string): Promise<LockInfo | undefined> {
    this.#app(app);
    return (await this.#readLock(app))?.info;
  }

  /**
   * Take the app's lock: create it if absent (If-None-Match), or take over an expired one
   * (If-Match on its ETag). Held by anyone else, even the same user: `locked`, naming the
   * holder — at once, or after `waitSeconds` of polling.
   */
  async acquireLock(app: string, request: LockRequest): Promise<LockHandle> {
    this.#app(app);
    this.#user(request.user);
    const ttl = request.ttlSeconds ?? 600;
    if (!(ttl > 0 && ttl <= 7 * 24 * 3600)) throw new FutuswarmError('invalid_input', 'lock: ttl must be between 1 s and 7 days');
    const deadline = Date.now() + (request.waitSeconds ?? 0) * 1000;
    for (;;) {
      const outcome = await this.#tryAcquire(app, request, ttl);
      if ('handle' in outcome) return outcome.handle;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.#lockedError(outcome.holder, request.waitSeconds);
      await sleep(Math.min(1000, remaining));
    }
  }

  async #tryAcquire(app: string, request: LockRequest, ttl: number): Promise<{ handle: LockHandle } | { holder: LockInfo }> {
    const key = stateKeys.lock(app);
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.#now();
      const lock = parseWith(
        lockSchema,
        {
          token: randomUUID(),
          user: request.user,
          op: request.op,
          message: request.message,
          since: now.toISOString(),
          expiresAt: new Date(now.getTime() + ttl * 1000).toISOString(),
        },
        'lock',
      );
      const handle = (tookOver: LockInfo | undefined): LockHandle => ({ ...this.#lockInfo(app, lock), token: lock.token, tookOver });
      try {
        await this.#put(key, lock, { ifNoneMatch: '*' });
        return { handle: handle(undefined) };
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
      const current = await this.#readLock(app);
      if (!current) continue; // released meanwhile
      if (!current.info.expired) return { holder: current.info };
      try {
        await this.#put(key, lock, { ifMatch: current.etag });
        return { handle: handle(current.info) };
      } catch (e) {
        if (!isConflict(e)) throw e; // someone else took it over first: look again
      }
    }
    const current = await this.#readLock(app);
    if (current) return { holder: current.info };
    throw new FutuswarmError('conflict', `the lock of ${app} is changing too fast to take`, { hint: 're-run the command' });
  }

  /** Extend a held lock; fails with `locked` if it was lost (expired and taken over). */
  async renewLock(handle: LockHandle, ttlSeconds = 600): Promise<LockHandle> {
    const app = this.#app(handle.app);
    if (!(ttlSeconds > 0 && ttlSeconds <= 7 * 24 * 3600)) throw new FutuswarmError('invalid_input', 'lock: ttl must be between 1 s and 7 days');
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.#readLock(app);
      if (!current || current.lock.token !== handle.token) {
        if (current) throw this.#lockedError(current.info);
        throw new FutuswarmError('locked', `the lock of ${app} was released by someone else`, {
          hint: `see futuswarm app:lock -n ${app} --status`,
        });
      }
      const lock = { ...current.lock, expiresAt: new Date(this.#now().getTime() + ttlSeconds * 1000).toISOString() };
      try {
        await this.#put(stateKeys.lock(app), lock, { ifMatch: current.etag });
        return { ...handle, ...this.#lockInfo(app, lock) };
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new FutuswarmError('conflict', `the lock of ${app} is changing too fast to renew`, { hint: 're-run the command' });
  }

  /**
   * Release the lock held with `token`. Returns false if that token no longer holds it
   * (it expired and was taken over, or was broken): someone else's lock is never removed.
   */
  async releaseLock(app: string, token: string): Promise<boolean> {
    this.#app(app);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.#readLock(app);
      if (!current || current.lock.token !== token) return false;
      try {
        await this.#store.delete(stateKeys.lock(app), { ifMatch: current.etag });
        return true;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    return false;
  }

  /** Remove whoever's lock is there (`app:unlock` by an owner or admin); returns what was removed. */
  async breakLock(app: string): Promise<LockInfo | undefined> {
    this.#app(app);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.#readLock(app);
      if (!current) return undefined;
      try {
        await this.#store.delete(stateKeys.lock(app), { ifMatch: current.etag });
        return current.info;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new FutuswarmError('conflict', `the lock of ${app} is changing too fast to break`, { hint: 're-run the command' });
  }

  /**
   * Run `fn` holding the app's lock. While it runs the lock is renewed every third of its TTL,
   * so a rollout longer than the TTL keeps it; a crashed agent stops renewing and the lock
   * expires as usual. `onLost` hears if a renewal finds the lock taken (it had expired while
   * the store could not be reached); `fn` is not interrupted, since Swarm finishes a rollout
   * regardless. The lock is released however `fn` ends.
   */
  async withLock<T>(
    app: string,
    request: LockRequest,
    fn: (handle: LockHandle) => Promise<T>,
    options: { onLost?: (error: Error) => void } = {},
  ): Promise<T> {
    const ttl = request.ttlSeconds ?? 600;
    let handle = await this.acquireLock(app, request);
    let renewing: Promise<unknown> = Promise.resolve();
    let lost = false;
    const timer = setInterval(() => {
      renewing = this.renewLock(handle, ttl).then(
        (renewed) => (handle = renewed),
        (e: unknown) => {
          // A store that cannot be reached now may answer at the next tick; a lock that
          // someone else holds is gone for good.
          if (!isFutuswarmError(e) || e.code !== 'locked' || lost) return;
          lost = true;
          clearInterval(timer);
          options.onLost?.(e);
        },
      );
    }, Math.max(100, (ttl * 1000) / 3));
    try {
      return await fn(handle);
    } finally {
      clearInterval(timer);
      await renewing;
      await this.releaseLock(app, handle.token).catch(() => undefined);
    }
  }

  /** Record a node's SSH host keys under its address (each node at boot: `futuswarm-agent node:register`). */
  async registerNode(input: { addr: string; hostname: string; hostKeys: string[] }): Promise<NodeRecord> {
    const record = parseWith(nodeRecordSchema, { ...input, registeredAt: this.#now().toISOString() }, 'node');
    const key = stateKeys.node(record.addr);
    const current = await this.#store.get(key);
    // A node that boots again with the same address replaces its old record.
    await this.#put(key, record, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
    return record;
  }

  /** What a node registered, or undefined. */
  async getNode(addr: string): Promise<NodeRecord | undefined> {
    const object = await this.#store.get(stateKeys.node(parseWith(nodeAddr, addr, 'node address')));
    if (!object) return undefined;
    return parseWith(nodeRecordSchema, JSON.parse(object.body.toString('utf8')), `node ${addr}`, { code: 'protocol' });
  }

  // ─────────────── audit ───────────────

  /**
   * Store one audit record. Secret argument values are replaced by their keys first (see
   * redactArgs); `scrub` removes known secret values from anywhere in the record.
   */
  async appendAudit(input: AuditInput): Promise<AuditRecord> {
    const time = input.time ?? this.#now();
    const random = randomBytes(4).toString('hex');
    const key = `${auditKeyTime(time)}Z-${random}.json`;
    const redact = [...SECRET_ARG_NAMES, ...(input.redact ?? [])];
    const scrub = input.scrub ?? [];
    // Only the free-form fields: identity and time must stay as they are.
    const fields = {
      v: 1,
      id: key.slice('audit/'.length, -'.json'.length),
      time: time.toISOString(),
      user: input.user,
      op: input.op,
      app: input.app,
      args: input.args === undefined ? undefined : scrubValues(redactArgs(input.args, redact), scrub),
      result: input.result,
      code: input.code,
      message: input.message === undefined ? undefined : scrubValues(input.message, scrub),
      durationMs: input.durationMs,
    };
    const record = parseWith(auditRecordSchema, fields, 'audit record', { code: 'internal' });
    await this.#put(key, record, { ifNoneMatch: '*' });
    return record;
  }

  /** Audit records, newest first, filtered by app, user, op and time. */
  async listAudit(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const since = filter.since?.getTime() ?? -Infinity;
    const until = filter.until?.getTime() ?? Infinity;
    const limit = filter.limit ?? Infinity;
    // Keys sort by time, so listing can start at `since` instead of at the beginning.
    const startAfter = filter.since ? auditKeyTime(filter.since) : undefined;
    const keys = (await this.#store.list(stateKeys.audit, startAfter === undefined ? {} : { startAfter }))
      .map((o) => ({ key: o.key, time: auditKeyDate(o.key)?.getTime() }))
      .filter((o): o is { key: string; time: number } => o.time !== undefined && o.time >= since && o.time <= until)
      .sort((a, b) => b.time - a.time || (a.key < b.key ? 1 : -1));
    const out: AuditRecord[] = [];
    for (let i = 0; i < keys.length && out.length < limit; i += 16) {
      const batch = await mapLimit(keys.slice(i, i + 16), 16, async ({ key }) => {
        const object = await this.#store.get(key);
        if (!object) return undefined;
        let data: unknown;
        try {
          data = JSON.parse(object.body.toString('utf8'));
        } catch {
          return undefined; // not a record of ours
        }
        const parsed = auditRecordSchema.safeParse(data);
        return parsed.success ? parsed.data : undefined;
      });
      for (const record of batch) {
        if (!record || out.length >= limit) continue;
        if (filter.app !== undefined && record.app !== filter.app) continue;
        if (filter.user !== undefined && record.user !== filter.user) continue;
        if (filter.op !== undefined && record.op !== filter.op) continue;
        out.push(record);
      }
    }
    return out;
  }

  // ─────────────── lifecycle ───────────────

  /**
   * Destroy everything stored for the app — every version of its secrets, releases, settings,
   * owners and lock — so a later app with the same name inherits nothing. Audit records stay.
   */
  // ─────────────── domains ───────────────

  /** Which app holds a host name, if any. */
  async domainHolder(host: string): Promise<string | undefined> {
    const object = await this.#store.get(stateKeys.domain(host));
    if (!object) return undefined;
    const data = parseJson(object, `domain ${host}`) as { app?: unknown };
    return typeof data.app === 'string' ? data.app : undefined;
  }

  /**
   * Claim a host name for an app, atomically across the cluster: the first claim wins, a
   * claim by another app fails with `conflict`. Claiming a name the app holds is a no-op.
   */
  async claimDomain(app: string, host: string, user: string): Promise<void> {
    this.#app(app);
    try {
      await this.#put(stateKeys.domain(host), { app, by: user, at: this.#now().toISOString() }, { ifNoneMatch: '*' });
    } catch (e) {
      if (!isConflict(e)) throw e;
      const holder = await this.domainHolder(host);
      if (holder === app) return;
      throw new FutuswarmError('conflict', `${host} is already used by the app ${holder ?? '(unknown)'}`, {
        hint: holder ? `remove it there first: futuswarm app:domains -n ${holder} remove ${host}` : 'choose another host name',
      });
    }
  }

  /** Give a host name up, if the app holds it. */
  async releaseDomain(app: string, host: string): Promise<void> {
    if ((await this.domainHolder(host)) !== app) return;
    await this.#store.delete(stateKeys.domain(host));
  }

  async purgeApp(app: string): Promise<{ deleted: number }> {
    this.#app(app);
    const versions = await this.#store.versions(stateKeys.app(app), { prefix: true });
    await mapLimit(versions, 8, (v) => this.#store.delete(v.key, { versionId: v.versionId }));
    return { deleted: versions.length };
  }
}
