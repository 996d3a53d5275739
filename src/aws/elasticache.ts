/**
 * ElastiCache adapter: Redis replication groups for apps (`cache:create`), one per app or one
 * shared by the cluster, always with in-transit encryption and an AUTH token. The token is
 * generated here, stored in the state bucket (encrypted with the cluster key) before the
 * group is created, and handed back only inside the REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import type { ReplicationGroup } from '@aws-sdk/client-elasticache';
import type { DataServicesScope } from '../config/cluster-file.ts';
import { FutuswarmError } from '../core/errors.ts';
import type { ObservedCluster, ObservedResource } from '../core/plan-resources.ts';
import { appCacheSecretKey, cacheGroupId, clusterResourceNames, resourceTags, TAG_APP, TAG_CLUSTER, toAwsTags } from '../core/plan-names.ts';
import { clusterLocation } from './account.ts';
import { awsFailure, call, isAwsError } from './aws-errors.ts';
import { elasticache } from './clients.ts';
import { findClusterNetwork } from './ec2.ts';
import { deleteObject, readJsonObject, writeJsonObject } from './s3-bucket.ts';
import { deleteWhenReleased, waitFor, type WaitOptions } from './wait.ts';

export interface CacheOptions {
  onProgress?: (message: string) => void;
  wait?: WaitOptions;
  /** Wait until the group is available (and its endpoint known); default true. */
  waitAvailable?: boolean;
}

export interface CacheInfo {
  replicationGroupId: string;
  status: string;
  endpoint: { host: string; port: number } | null;
  transitEncryption: boolean;
  authToken: boolean;
}

/** ElastiCache AUTH tokens: 16–128 printable characters; hex needs no escaping in URLs. */
export function generateAuthToken(): string {
  return randomBytes(32).toString('hex');
}

/** `rediss://` (TLS) with the AUTH token as password. */
export function redisUrl(endpoint: { host: string; port: number }, authToken: string): string {
  return `rediss://:${authToken}@${endpoint.host}:${endpoint.port}`;
}

function info(g: ReplicationGroup): CacheInfo {
  const endpoint = g.NodeGroups?.[0]?.PrimaryEndpoint ?? g.ConfigurationEndpoint;
  return {
    replicationGroupId: g.ReplicationGroupId ?? '',
    status: g.Status ?? 'unknown',
    endpoint: endpoint?.Address ? { host: endpoint.Address, port: endpoint.Port ?? 6379 } : null,
    transitEncryption: g.TransitEncryptionEnabled ?? false,
    authToken: g.AuthTokenEnabled ?? false,
  };
}

async function describeGroup(region: string, id: string): Promise<ReplicationGroup | undefined> {
  const { sdk, client } = await elasticache(region);
  try {
    const out = await client.send(new sdk.DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    return out.ReplicationGroups?.[0];
  } catch (e) {
    if (isAwsError(e, 'ReplicationGroupNotFoundFault', 'ReplicationGroupNotFound')) return undefined;
    throw awsFailure(e, 'elasticache:DescribeReplicationGroups', `cache ${id}`);
  }
}

async function groupTags(region: string, arn: string | undefined): Promise<Record<string, string>> {
  if (arn === undefined) return {};
  const { sdk, client } = await elasticache(region);
  const out = await call('elasticache:ListTagsForResource', `cache ${arn}`, () => client.send(new sdk.ListTagsForResourceCommand({ ResourceName: arn })));
  return Object.fromEntries((out.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

export async function describeCache(config: DataServicesScope, app: string | null): Promise<CacheInfo | undefined> {
  const g = await describeGroup(config.region, cacheGroupId(config.name, app));
  return g === undefined ? undefined : info(g);
}

async function ensureCacheSubnetGroup(config: DataServicesScope, subnetIds: string[]): Promise<string> {
  const { sdk, client } = await elasticache(config.region);
  const name = clusterResourceNames(config.name).cacheSubnetGroup;
  try {
    await client.send(new sdk.DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }));
    return name;
  } catch (e) {
    if (!isAwsError(e, 'CacheSubnetGroupNotFoundFault', 'CacheSubnetGroupNotFound')) throw awsFailure(e, 'elasticache:DescribeCacheSubnetGroups', `cache subnet group ${name}`);
  }
  await call('elasticache:CreateCacheSubnetGroup', `cache subnet group ${name}`, () =>
    client.send(
      new sdk.CreateCacheSubnetGroupCommand({
        CacheSubnetGroupName: name,
        CacheSubnetGroupDescription: `futuswarm caches of cluster ${config.name}`,
        SubnetIds: subnetIds,
        Tags: toAwsTags(resourceTags(config, 'cache-subnets')),
      }),
    ),
  );
  return name;
}

/**
 * A Redis replication group for `app` (or the cluster's shared one with `app: null`), and the
 * REDIS_URL to reach it. Idempotent: a second call returns the same group and token.
 */
export async function createCache(
  config: DataServicesScope,
  request: { app: string | null; nodeType?: string },
  options: CacheOptions = {},
): Promise<CacheInfo & { redisUrl: string | null }> {
  const { sdk, client } = await elasticache(config.region);
  const id = cacheGroupId(config.name, request.app);
  const { bucket, keyAlias } = await clusterLocation(config);
  const secretKey = appCacheSecretKey(request.app ?? 'shared');
  const fresh = { authToken: generateAuthToken() };
  await writeJsonObject(config.region, { bucket, key: secretKey, keyArn: keyAlias }, fresh, { onlyIfAbsent: true });
  const stored = (await readJsonObject(config.region, bucket, secretKey)) as { authToken?: unknown } | undefined;
  if (typeof stored?.authToken !== 'string') throw new FutuswarmError('aws', `s3://${bucket}/${secretKey} holds no AUTH token`);
  const authToken = stored.authToken;

  let group = await describeGroup(config.region, id);
  if (group !== undefined) {
    const tags = await groupTags(config.region, group.ARN);
    if (tags[TAG_CLUSTER] !== config.name) {
      throw new FutuswarmError('conflict', `cache ${id} already exists and is not part of cluster ${config.name}`, { hint: 'delete or rename it in the ElastiCache console' });
    }
    if (group.Status === 'deleting') {
      throw new FutuswarmError('conflict', `cache ${id} is still being deleted`, { hint: 'wait until it is gone (a few minutes), then run the same command again' });
    }
  } else {
    const network = await findClusterNetwork(config.region, config.name);
    const securityGroup = network.securityGroups['sg-cache'];
    if (securityGroup === undefined) {
      throw new FutuswarmError('not_found', `cluster ${config.name} has no cache security group`, { hint: 'run futuswarm admin cluster:bootstrap to complete the cluster' });
    }
    const subnetGroup = await ensureCacheSubnetGroup(config, network.subnetIds);
    options.onProgress?.(`creating cache ${id} (this takes several minutes)`);
    const extra: Record<string, string> = request.app === null ? {} : { [TAG_APP]: request.app };
    const out = await call('elasticache:CreateReplicationGroup', `cache ${id}`, () =>
      client.send(
        new sdk.CreateReplicationGroupCommand({
          ReplicationGroupId: id,
          ReplicationGroupDescription: request.app === null ? `futuswarm ${config.name}: shared cache` : `futuswarm ${config.name}: cache of ${request.app}`,
          Engine: 'redis',
          EngineVersion: config.caches.engineVersion,
          CacheNodeType: request.nodeType ?? config.caches.nodeType,
          NumCacheClusters: 1,
          Port: 6379,
          CacheSubnetGroupName: subnetGroup,
          SecurityGroupIds: [securityGroup],
          TransitEncryptionEnabled: true,
          AtRestEncryptionEnabled: true,
          AuthToken: authToken,
          SnapshotRetentionLimit: 1,
          Tags: toAwsTags(resourceTags(config, request.app === null ? 'cache-shared' : `cache-${request.app}`, extra)),
        }),
      ),
    );
    group = out.ReplicationGroup;
  }
  if (options.waitAvailable !== false) {
    group = await waitFor(`cache ${id} to become available`, async () => {
      const g = await describeGroup(config.region, id);
      if (g === undefined) throw new FutuswarmError('not_found', `cache ${id} disappeared while it was being created`);
      return g.Status === 'available' && info(g).endpoint !== null ? g : undefined;
    }, { ...options.wait, timeoutMs: options.wait?.timeoutMs ?? 30 * 60_000 });
  }
  const result = info(group ?? {});
  return { ...result, replicationGroupId: id, redisUrl: result.endpoint === null ? null : redisUrl(result.endpoint, authToken) };
}

/** Delete an app's (or the shared) cache and its stored token. */
export async function deleteCache(config: DataServicesScope, app: string | null, options: CacheOptions & { finalSnapshot?: boolean } = {}): Promise<void> {
  const { sdk, client } = await elasticache(config.region);
  const id = cacheGroupId(config.name, app);
  const group = await describeGroup(config.region, id);
  if (group === undefined) throw new FutuswarmError('not_found', app === null ? `cluster ${config.name} has no shared cache` : `app ${app} has no cache`);
  const tags = await groupTags(config.region, group.ARN);
  if (tags[TAG_CLUSTER] !== config.name) throw new FutuswarmError('forbidden', `cache ${id} is not part of cluster ${config.name}`);
  options.onProgress?.(`deleting cache ${id}`);
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  await call('elasticache:DeleteReplicationGroup', `cache ${id}`, () =>
    client.send(
      new sdk.DeleteReplicationGroupCommand({
        ReplicationGroupId: id,
        ...(options.finalSnapshot ? { FinalSnapshotIdentifier: `${id}-final-${stamp}` } : {}),
      }),
    ),
  );
  const { bucket } = await clusterLocation(config);
  await deleteObject(config.region, bucket, appCacheSecretKey(app ?? 'shared'));
}

/** Caches and the cache subnet group of a cluster, for status and destroy. */
export async function observeElastiCache(region: string, cluster: string): Promise<{ resources: ObservedResource[]; apps: ObservedCluster['appResources'] }> {
  const { sdk, client } = await elasticache(region);
  const name = clusterResourceNames(cluster).cacheSubnetGroup;
  const resources: ObservedResource[] = [];
  try {
    const out = await client.send(new sdk.DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }));
    if (out.CacheSubnetGroups?.[0] !== undefined) resources.push({ kind: 'cache-subnet-group', name: 'cache-subnets', id: name, props: {} });
  } catch (e) {
    if (!isAwsError(e, 'CacheSubnetGroupNotFoundFault', 'CacheSubnetGroupNotFound')) throw awsFailure(e, 'elasticache:DescribeCacheSubnetGroups', `cache subnet group ${name}`);
  }
  const apps: ObservedCluster['appResources'] = [];
  const prefix = `fs-${cluster}-`;
  let Marker: string | undefined;
  do {
    const page = await call('elasticache:DescribeReplicationGroups', `cluster ${cluster}`, () =>
      client.send(new sdk.DescribeReplicationGroupsCommand({ ...(Marker === undefined ? {} : { Marker }) })),
    );
    for (const g of page.ReplicationGroups ?? []) {
      if (!g.ReplicationGroupId?.startsWith(prefix)) continue;
      const tags = await groupTags(region, g.ARN);
      if (tags[TAG_CLUSTER] === cluster) apps.push({ kind: 'cache', app: tags[TAG_APP] ?? '(shared)', id: g.ReplicationGroupId, deleting: g.Status === 'deleting' });
    }
    Marker = page.Marker;
  } while (Marker !== undefined);
  return { resources, apps };
}

/** Delete the cluster's cache subnet group, waiting while a cache being deleted still uses it. */
export async function deleteCacheSubnetGroup(region: string, name: string, wait: WaitOptions = {}): Promise<void> {
  const { sdk, client } = await elasticache(region);
  await deleteWhenReleased(`cache subnet group ${name}`, () => client.send(new sdk.DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: name })), {
    action: 'elasticache:DeleteCacheSubnetGroup',
    gone: ['CacheSubnetGroupNotFoundFault', 'CacheSubnetGroupNotFound'],
    inUse: ['CacheSubnetGroupInUse', 'CacheSubnetGroupInUseFault'],
  }, wait);
}
