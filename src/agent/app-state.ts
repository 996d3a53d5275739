/**
 * The cluster's state bucket as the agent uses it: one object that composes the concerns of
 * src/state (one module each, over one versioned, conditional object store) for a cluster.
 * Where each concern lives in the bucket: src/state/keys.ts.
 */
import type { ObjectStore } from '../aws/state-store.ts';
import type { KeyService } from '../core/envelope.ts';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { appName } from '../core/names.ts';
import { AppRecords } from '../state/app-records.ts';
import { AuditLog } from '../state/audit.ts';
import { ClusterSecrets } from '../state/cluster-secrets.ts';
import { Domains } from '../state/domains.ts';
import { ImageRecords } from '../state/images.ts';
import { mapLimit } from '../state/json.ts';
import { stateKeys } from '../state/keys.ts';
import { Locks } from '../state/locks.ts';
import { Leadership } from '../state/leadership.ts';
import { NodeRecords } from '../state/nodes.ts';
import { Owners } from '../state/owners.ts';
import { RegistryBlobs } from '../state/registry-blobs.ts';
import { RegistryCredentialStore } from '../state/registry-credentials.ts';
import { RegistryLogins } from '../state/registry-logins.ts';
import { Releases } from '../state/releases.ts';
import { AppSecrets } from '../state/secrets.ts';
import { SettingsStore } from '../state/settings.ts';

export interface AppStateOptions {
  store: ObjectStore;
  keys: KeyService;
  /** Part of every app's KMS encryption context. */
  cluster: string;
  /** Injected for tests of lock expiry. */
  now?: () => Date;
}

export class AppState {
  readonly cluster: string;
  /** Each app's secrets and their history (src/state/secrets.ts). */
  readonly secrets: AppSecrets;
  /** Each app's releases (src/state/releases.ts). */
  readonly releases: Releases;
  /** Each app's settings (src/state/settings.ts). */
  readonly settings: SettingsStore;
  /** Who owns each app (src/state/owners.ts). */
  readonly owners: Owners;
  /** Each app's lock (src/state/locks.ts). */
  readonly locks: Locks;
  /** Which resident agent runs periodic work (src/state/leadership.ts). */
  readonly leadership: Leadership;
  /** Extra host names and the app that holds each (src/state/domains.ts). */
  readonly domains: Domains;
  /** The audit log (src/state/audit.ts). */
  readonly audit: AuditLog;
  /** The nodes' SSH host keys (src/state/nodes.ts). */
  readonly nodes: NodeRecords;
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

  constructor(options: AppStateOptions) {
    if (!options.cluster) throw new FutuswarmError('config', 'cluster name is empty');
    const { store, keys, cluster } = options;
    const now = options.now ?? (() => new Date());
    this.cluster = cluster;
    this.#store = store;
    this.secrets = new AppSecrets({ store, keys, cluster, now });
    this.releases = new Releases(store, now);
    this.settings = new SettingsStore(store);
    this.owners = new Owners(store, now);
    this.locks = new Locks(store, now);
    this.leadership = new Leadership(store, now);
    this.domains = new Domains(store, now);
    this.audit = new AuditLog(store, now);
    this.nodes = new NodeRecords(store, now);
    this.apps = new AppRecords(store, now);
    this.clusterSecrets = new ClusterSecrets({ store, keys, cluster, now });
    this.images = new ImageRecords(store, now);
    this.registryCredentials = new RegistryCredentialStore({ store, keys, cluster });
    this.registryLogins = new RegistryLogins({ store, keys, cluster, now });
    this.registryBlobs = new RegistryBlobs(store);
  }

  /**
   * Destroy everything stored for the app — every version of its secrets, releases, settings,
   * owners and lock — so a later app with the same name inherits nothing. Audit records stay.
   */
  async purgeApp(app: string): Promise<{ deleted: number }> {
    parseWith(appName, app, 'app');
    const versions = await this.#store.versions(stateKeys.app(app), { prefix: true });
    await mapLimit(versions, 8, (v) => this.#store.delete(v.key, { versionId: v.versionId }));
    return { deleted: versions.length };
  }
}
