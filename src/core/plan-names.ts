/**
 * Names and tags of everything futuswarm creates on AWS. Pure: the same cluster file always
 * gives the same names, which is what lets bootstrap find its own resources again.
 */
import { createHash } from 'node:crypto';
import type { ClusterConfig, ClusterStateScope } from '../config/cluster-file.ts';

export const TAG_CLUSTER = 'futuswarm:cluster';
export const TAG_ROLE = 'futuswarm:role';
/** On instances: `manager` or `worker`, so scripts can find all managers. */
export const TAG_NODE_KIND = 'futuswarm:node-kind';
/** On app databases and caches: the app they belong to. */
export const TAG_APP = 'futuswarm:app';

/** Objects in the state bucket that belong to the cluster itself (apps live under apps/). */
export const STATE_OBJECT_KEY = 'cluster/state.json';
/**
 * Where the first manager leaves the swarm's join tokens, one object per kind of node: workers
 * may read only theirs, so a worker taken over cannot join again as a manager.
 */
export const SWARM_JOIN_OBJECT_KEYS = { manager: 'cluster/swarm/join-manager.json', worker: 'cluster/swarm/join-worker.json' } as const;
/** One empty object per manager in the swarm, named `<address>:2377`: where joining nodes knock. */
export const SWARM_MANAGERS_PREFIX = 'cluster/swarm/managers/';
export const SHARED_DB_SECRET_KEY = 'cluster/secrets/shared-db.json';
/**
 * The cluster's node key (managers → other nodes, for app:exec), KMS-sealed. The agent reads it
 * and bootstrap writes it with src/state/cluster-secrets.ts.
 */
export const NODE_KEY_OBJECT_KEY = 'cluster/node-key';
/** The LDAP bind password, KMS-sealed (stateKeys.ldapBindPassword; admin cluster:ldap-password). */
export const LDAP_BIND_PASSWORD_OBJECT_KEY = 'cluster/ldap-bind-password';
export function appDbSecretKey(app: string): string {
  return `cluster/secrets/db/${app}.json`;
}
export function appCacheSecretKey(app: string): string {
  return `cluster/secrets/cache/${app}.json`;
}

/**
 * Join parts with hyphens; when the result is longer than `max`, shorten it and append a hash
 * of the full name so different long names stay different. Never ends with or doubles a hyphen.
 */
export function boundedName(parts: readonly string[], max: number): string {
  const full = parts.join('-').replace(/-{2,}/g, '-').replace(/-+$/, '');
  if (full.length <= max) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 6);
  const head = full.slice(0, max - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The domain of the region's service endpoints, as `kms:ViaService` names them. */
export function endpointSuffixOf(region: string): string {
  return partitionOf(region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** The S3 bucket: names are global, so the default includes the account and region. */
export function stateBucketName(config: ClusterStateScope, accountId: string): string {
  return config.state.bucket ?? `futuswarm-${config.name}-${accountId}-${config.region}`;
}

export function keyAliasName(cluster: string): string {
  return `alias/futuswarm-${cluster}`;
}

/** Names of the resources that have one (IAM, ELBv2, RDS, launch templates need unique names). */
export function clusterResourceNames(cluster: string) {
  return {
    keyAlias: keyAliasName(cluster),
    /** The managers' role: the whole state bucket and key, and app databases and caches. */
    nodeRole: `futuswarm-${cluster}-node`,
    nodeRolePolicy: 'futuswarm-node',
    nodeProfile: `futuswarm-${cluster}-node`,
    /** The workers' role: what a node needs to join and to publish its host keys, nothing more. */
    workerRole: `futuswarm-${cluster}-worker`,
    workerRolePolicy: 'futuswarm-worker',
    workerProfile: `futuswarm-${cluster}-worker`,
    launchTemplate: `futuswarm-${cluster}-node`,
    loadBalancer: `futuswarm-${cluster}`,
    targetGroup: boundedName(['fs', cluster, 'proxy'], 32),
    lbSecurityGroup: `futuswarm-${cluster}-lb`,
    nodesSecurityGroup: `futuswarm-${cluster}-nodes`,
    dbSecurityGroup: `futuswarm-${cluster}-db`,
    cacheSecurityGroup: `futuswarm-${cluster}-cache`,
    dbSubnetGroup: `futuswarm-${cluster}`,
    cacheSubnetGroup: `futuswarm-${cluster}`,
    sharedDbInstance: `futuswarm-${cluster}-shared`,
  };
}

/** RDS instance of an app that asked for a dedicated database (max 63 characters). */
export function appDbInstanceId(cluster: string, app: string): string {
  return boundedName(['fs', cluster, app], 63);
}

/** ElastiCache replication group of an app (max 40 characters); `shared` for the cluster-wide one. */
export function cacheGroupId(cluster: string, app: string | null): string {
  return boundedName(['fs', cluster, app ?? 'shared'], 40);
}

/** The tags of one resource: ours, the file's extra tags, and a readable Name. */
export function resourceTags(config: Pick<ClusterConfig, 'name' | 'tags'>, role: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...config.tags,
    Name: `futuswarm-${config.name}-${role}`,
    [TAG_CLUSTER]: config.name,
    [TAG_ROLE]: role,
    ...extra,
  };
}

export function toAwsTags(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function fromAwsTags(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}
