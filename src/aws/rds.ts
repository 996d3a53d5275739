/**
 * RDS adapter: the DB subnet group and the shared PostgreSQL instance of a cluster (bootstrap
 * resources), and dedicated PostgreSQL instances for apps (`db:create --dedicated`).
 * Master passwords are generated here, stored in the state bucket encrypted with the cluster
 * key before the instance is created, and never printed.
 */
import { randomBytes } from 'node:crypto';
import type { DBInstance } from '@aws-sdk/client-rds';
import type { DataServicesScope } from '../config/cluster-file.ts';
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ObservedCluster, ObservedResource, ResourceIds } from '../core/plan-resources.ts';
import { appDbInstanceId, appDbSecretKey, clusterResourceNames, fromAwsTags, resourceTags, SHARED_DB_SECRET_KEY, TAG_APP, TAG_CLUSTER, toAwsTags } from '../core/plan-names.ts';
import { clusterLocation } from './account.ts';
import { awsFailure, call, isAwsError } from './aws-errors.ts';
import { rds } from './clients.ts';
import { findClusterNetwork } from './ec2.ts';
import { readJsonObject, writeJsonObject } from './s3-bucket.ts';
import { deleteWhenReleased, waitFor, type WaitOptions } from './wait.ts';

export interface RdsContext {
  region: string;
  wait?: WaitOptions;
}

export const MASTER_USERNAME = 'futuswarm';

/** What an admin connection needs. The password never leaves memory except into the encrypted state. */
export interface DatabaseAdmin {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

export interface DatabaseInstanceInfo {
  instanceId: string;
  status: string;
  engine: string;
  engineVersion: string | null;
  instanceClass: string | null;
  endpoint: { host: string; port: number } | null;
}

/** 32 characters RDS and URLs accept without escaping. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

export function adminUrl(admin: DatabaseAdmin, options: { sslmode?: string } = {}): string {
  const url = new URL('postgresql://localhost');
  url.hostname = admin.host;
  url.port = String(admin.port);
  url.username = admin.username;
  url.password = admin.password;
  url.pathname = `/${admin.database}`;
  if (options.sslmode !== undefined) url.searchParams.set('sslmode', options.sslmode);
  return url.toString();
}

function info(db: DBInstance): DatabaseInstanceInfo {
  return {
    instanceId: db.DBInstanceIdentifier ?? '',
    status: db.DBInstanceStatus ?? 'unknown',
    engine: db.Engine ?? 'unknown',
    engineVersion: db.EngineVersion ?? null,
    instanceClass: db.DBInstanceClass ?? null,
    endpoint: db.Endpoint?.Address ? { host: db.Endpoint.Address, port: db.Endpoint.Port ?? 5432 } : null,
  };
}

async function describeInstance(region: string, instanceId: string): Promise<DBInstance | undefined> {
  const { sdk, client } = await rds(region);
  try {
    const out = await client.send(new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
    return out.DBInstances?.[0];
  } catch (e) {
    if (isAwsError(e, 'DBInstanceNotFound', 'DBInstanceNotFoundFault')) return undefined;
    throw awsFailure(e, 'rds:DescribeDBInstances', `database ${instanceId}`);
  }
}

export async function describeDatabaseInstance(region: string, instanceId: string): Promise<DatabaseInstanceInfo | undefined> {
  const db = await describeInstance(region, instanceId);
  return db === undefined ? undefined : info(db);
}

function foreign(what: string, tags: Record<string, string>): string {
  const owner = tags[TAG_CLUSTER];
  return `${what} already exists and ${owner ? `belongs to cluster ${owner}` : 'is not tagged for this cluster'}`;
}

export async function observeRds(region: string, cluster: string): Promise<{ resources: ObservedResource[]; apps: ObservedCluster['appResources'] }> {
  const { sdk, client } = await rds(region);
  const names = clusterResourceNames(cluster);
  const resources: ObservedResource[] = [];
  try {
    const out = await client.send(new sdk.DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: names.dbSubnetGroup }));
    const group = out.DBSubnetGroups?.[0];
    if (group?.DBSubnetGroupName !== undefined) {
      const tags = group.DBSubnetGroupArn
        ? fromAwsTags((await call('rds:ListTagsForResource', `DB subnet group ${names.dbSubnetGroup}`, () => client.send(new sdk.ListTagsForResourceCommand({ ResourceName: group.DBSubnetGroupArn })))).TagList)
        : {};
      const base = { kind: 'db-subnet-group' as const, name: 'db-subnets', id: group.DBSubnetGroupName };
      resources.push(
        tags[TAG_CLUSTER] !== cluster
          ? { ...base, foreign: foreign(`DB subnet group ${names.dbSubnetGroup}`, tags), props: {} }
          : { ...base, props: { subnets: (group.Subnets ?? []).flatMap((s) => (s.SubnetIdentifier ? [s.SubnetIdentifier] : [])).sort() } },
      );
    }
  } catch (e) {
    if (!isAwsError(e, 'DBSubnetGroupNotFoundFault', 'DBSubnetGroupNotFound')) throw awsFailure(e, 'rds:DescribeDBSubnetGroups', `DB subnet group ${names.dbSubnetGroup}`);
  }

  const apps: ObservedCluster['appResources'] = [];
  let Marker: string | undefined;
  do {
    const page = await call('rds:DescribeDBInstances', `cluster ${cluster}`, () => client.send(new sdk.DescribeDBInstancesCommand({ ...(Marker === undefined ? {} : { Marker }) })));
    for (const db of page.DBInstances ?? []) {
      const tags = fromAwsTags(db.TagList);
      const id = db.DBInstanceIdentifier ?? '';
      const deleting = db.DBInstanceStatus === 'deleting';
      if (id === names.sharedDbInstance && deleting) continue;
      if (id === names.sharedDbInstance) {
        const base = { kind: 'db-instance' as const, name: 'db-shared', id, ...(db.DBInstanceArn === undefined ? {} : { arn: db.DBInstanceArn }), state: db.DBInstanceStatus ?? 'unknown' };
        resources.push(
          tags[TAG_CLUSTER] !== cluster
            ? { ...base, foreign: foreign(`database ${id}`, tags), props: {} }
            : {
                ...base,
                props: {
                  engine: db.Engine,
                  instanceClass: db.DBInstanceClass,
                  storageGb: db.AllocatedStorage,
                  storageEncrypted: db.StorageEncrypted ?? false,
                  subnetGroup: db.DBSubnetGroup?.DBSubnetGroupName,
                  securityGroups: (db.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])).sort(),
                  endpoint: db.Endpoint?.Address ?? null,
                },
              },
        );
      } else if (tags[TAG_CLUSTER] === cluster && tags[TAG_APP] !== undefined) {
        apps.push({ kind: 'db-instance', app: tags[TAG_APP], id, deleting });
      }
    }
    Marker = page.Marker;
  } while (Marker !== undefined);
  return { resources, apps };
}

export async function createDbSubnetGroup(ctx: RdsContext, spec: ResolvedOf<'db-subnet-group'>): Promise<ResourceIds> {
  const { sdk, client } = await rds(ctx.region);
  await call('rds:CreateDBSubnetGroup', `DB subnet group ${spec.groupName}`, () =>
    client.send(
      new sdk.CreateDBSubnetGroupCommand({
        DBSubnetGroupName: spec.groupName,
        DBSubnetGroupDescription: `futuswarm databases (${spec.groupName})`,
        SubnetIds: spec.subnets,
        Tags: toAwsTags(spec.tags),
      }),
    ),
  );
  return { id: spec.groupName };
}

export async function updateDbSubnetGroup(ctx: RdsContext, spec: ResolvedOf<'db-subnet-group'>): Promise<ResourceIds> {
  const { sdk, client } = await rds(ctx.region);
  await call('rds:ModifyDBSubnetGroup', `DB subnet group ${spec.groupName}`, () =>
    client.send(new sdk.ModifyDBSubnetGroupCommand({ DBSubnetGroupName: spec.groupName, SubnetIds: spec.subnets })),
  );
  return { id: spec.groupName };
}

export async function deleteDbSubnetGroup(ctx: RdsContext, name: string): Promise<void> {
  const { sdk, client } = await rds(ctx.region);
  await deleteWhenReleased(`DB subnet group ${name}`, () => client.send(new sdk.DeleteDBSubnetGroupCommand({ DBSubnetGroupName: name })), {
    action: 'rds:DeleteDBSubnetGroup',
    gone: ['DBSubnetGroupNotFoundFault', 'DBSubnetGroupNotFound'],
    inUse: ['InvalidDBSubnetGroupStateFault', 'InvalidDBSubnetGroupState'],
  }, ctx.wait);
}

/** The master credentials stored at `key`; generated and stored first when absent. */
export async function ensureMasterSecret(region: string, target: { bucket: string; key: string; keyArn: string }): Promise<{ username: string; password: string }> {
  const fresh = { username: MASTER_USERNAME, password: generatePassword() };
  const outcome = await writeJsonObject(region, target, fresh, { onlyIfAbsent: true });
  if (outcome === 'written') return fresh;
  return readMasterSecret(region, target.bucket, target.key);
}

async function readMasterSecret(region: string, bucket: string, key: string): Promise<{ username: string; password: string }> {
  const stored = (await readJsonObject(region, bucket, key)) as { username?: unknown; password?: unknown } | undefined;
  if (typeof stored?.username !== 'string' || typeof stored.password !== 'string') {
    throw new FutuswarmError('not_found', `no database master credentials at s3://${bucket}/${key}`, {
      hint: 'restore an earlier version of that object, or reset the master password in the RDS console and store it there',
    });
  }
  return { username: stored.username, password: stored.password };
}

export interface DbInstanceRequest {
  instanceId: string;
  engineVersion: string;
  instanceClass: string;
  storageGb: number;
  backupRetentionDays: number;
  subnetGroup: string;
  securityGroup: string;
  tags: Record<string, string>;
  master: { username: string; password: string };
}

/** Encrypted, private, backed up, protected from deletion. Returns at once; the instance takes minutes to become available. */
export async function createDbInstance(ctx: RdsContext, req: DbInstanceRequest): Promise<ResourceIds> {
  const { sdk, client } = await rds(ctx.region);
  const out = await call('rds:CreateDBInstance', `database ${req.instanceId}`, () =>
    client.send(
      new sdk.CreateDBInstanceCommand({
        DBInstanceIdentifier: req.instanceId,
        Engine: 'postgres',
        EngineVersion: req.engineVersion,
        DBInstanceClass: req.instanceClass,
        AllocatedStorage: req.storageGb,
        StorageType: 'gp3',
        StorageEncrypted: true,
        MasterUsername: req.master.username,
        MasterUserPassword: req.master.password,
        DBName: 'postgres',
        DBSubnetGroupName: req.subnetGroup,
        VpcSecurityGroupIds: [req.securityGroup],
        PubliclyAccessible: false,
        MultiAZ: false,
        BackupRetentionPeriod: req.backupRetentionDays,
        DeletionProtection: true,
        CopyTagsToSnapshot: true,
        AutoMinorVersionUpgrade: true,
        Tags: toAwsTags(req.tags),
      }),
    ),
  );
  const db = out.DBInstance;
  return { id: req.instanceId, ...(db?.DBInstanceArn === undefined ? {} : { arn: db.DBInstanceArn }) };
}

/** The shared instance of bootstrap: credentials first (so a crash never loses them), then the instance. */
export async function createSharedDbInstance(ctx: RdsContext, spec: ResolvedOf<'db-instance'>, keyArn: string): Promise<ResourceIds> {
  const master = await ensureMasterSecret(ctx.region, { bucket: spec.masterSecret.bucket, key: spec.masterSecret.key, keyArn });
  return createDbInstance(ctx, {
    instanceId: spec.instanceId,
    engineVersion: spec.engineVersion,
    instanceClass: spec.instanceClass,
    storageGb: spec.storageGb,
    backupRetentionDays: spec.backupRetentionDays,
    subnetGroup: spec.subnetGroup,
    securityGroup: spec.securityGroup,
    tags: spec.tags,
    master,
  });
}

/**
 * Turn deletion protection off, delete (with a final snapshot unless skipped; without one, its
 * automated backups go too) and wait until it is gone.
 */
export async function deleteDbInstance(ctx: RdsContext, instanceId: string, options: { finalSnapshot: boolean }): Promise<{ snapshotId: string | null }> {
  const { sdk, client } = await rds(ctx.region);
  const what = `database ${instanceId}`;
  const db = await describeInstance(ctx.region, instanceId);
  if (db === undefined) return { snapshotId: null };
  if (db.DeletionProtection) {
    await call('rds:ModifyDBInstance', what, () =>
      client.send(new sdk.ModifyDBInstanceCommand({ DBInstanceIdentifier: instanceId, DeletionProtection: false, ApplyImmediately: true })),
    );
  }
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const snapshotId = options.finalSnapshot ? `${instanceId}-final-${stamp}`.slice(0, 255) : null;
  if (db.DBInstanceStatus !== 'deleting') {
    await call('rds:DeleteDBInstance', what, () =>
      client.send(
        new sdk.DeleteDBInstanceCommand({
          DBInstanceIdentifier: instanceId,
          ...(snapshotId === null ? { SkipFinalSnapshot: true } : { FinalDBSnapshotIdentifier: snapshotId }),
          // Deleting the data (no final snapshot, cluster:destroy --delete-data) deletes its
          // automated backups too; otherwise they stay for their retention period.
          DeleteAutomatedBackups: snapshotId === null,
        }),
      ),
    );
  }
  await waitFor(`${what} to be deleted`, async () => ((await describeInstance(ctx.region, instanceId)) === undefined ? true : undefined), {
    ...ctx.wait,
    timeoutMs: ctx.wait?.timeoutMs ?? 40 * 60_000,
  });
  return { snapshotId };
}

export async function waitForDatabase(ctx: RdsContext, instanceId: string): Promise<DatabaseInstanceInfo> {
  return waitFor(
    `database ${instanceId} to become available`,
    async () => {
      const db = await describeInstance(ctx.region, instanceId);
      if (db === undefined) throw new FutuswarmError('not_found', `database ${instanceId} does not exist`);
      const i = info(db);
      if (i.status === 'failed' || i.status === 'incompatible-parameters' || i.status === 'incompatible-network') {
        throw new FutuswarmError('aws', `database ${instanceId} is ${i.status}`, { hint: 'see its events in the RDS console' });
      }
      return i.status === 'available' && i.endpoint !== null ? i : undefined;
    },
    { ...ctx.wait, timeoutMs: ctx.wait?.timeoutMs ?? 40 * 60_000 },
  );
}

// ───────────────────────────── for db:* commands and agent ops ─────────────────────────────

export interface DbOptions {
  onProgress?: (message: string) => void;
  wait?: WaitOptions;
  /**
   * Connect here instead of the endpoint RDS reports (a tunnel, or a test database). The
   * credentials are still the instance's.
   */
  endpointOverride?: { host: string; port: number };
}

async function adminFor(config: DataServicesScope, instanceId: string, secretKey: string, options: DbOptions): Promise<DatabaseAdmin> {
  const { bucket } = await clusterLocation(config);
  const master = await readMasterSecret(config.region, bucket, secretKey);
  const endpoint = options.endpointOverride ?? (await waitForDatabase({ region: config.region, ...(options.wait ? { wait: options.wait } : {}) }, instanceId)).endpoint!;
  return { host: endpoint.host, port: endpoint.port, username: master.username, password: master.password, database: 'postgres' };
}

/** Admin access to the cluster's shared instance (for createAppDatabase). */
export async function sharedDatabaseAdmin(config: DataServicesScope, options: DbOptions = {}): Promise<DatabaseAdmin> {
  if (!config.databases.shared) {
    throw new FutuswarmError('invalid_input', `cluster ${config.name} has no shared database`, {
      hint: 'set databases.shared: true in the cluster file and run futuswarm admin cluster:bootstrap, or use --dedicated',
    });
  }
  return adminFor(config, clusterResourceNames(config.name).sharedDbInstance, SHARED_DB_SECRET_KEY, options);
}

/** Admin access to an app's dedicated instance. */
export async function dedicatedDatabaseAdmin(config: DataServicesScope, app: string, options: DbOptions = {}): Promise<DatabaseAdmin> {
  return adminFor(config, appDbInstanceId(config.name, app), appDbSecretKey(app), options);
}

/**
 * A PostgreSQL instance for one app, in the cluster's DB subnets behind its database security
 * group. Idempotent: an existing instance of the app is returned as it is.
 */
export async function createDedicatedDatabase(
  config: DataServicesScope,
  request: { app: string; instanceClass?: string; storageGb?: number; engineVersion?: string },
  options: DbOptions = {},
): Promise<DatabaseInstanceInfo> {
  const ctx: RdsContext = { region: config.region, ...(options.wait ? { wait: options.wait } : {}) };
  const instanceId = appDbInstanceId(config.name, request.app);
  const existing = await describeInstance(config.region, instanceId);
  if (existing !== undefined) {
    const tags = fromAwsTags(existing.TagList);
    if (tags[TAG_CLUSTER] !== config.name || tags[TAG_APP] !== request.app) {
      throw new FutuswarmError('conflict', foreign(`database ${instanceId}`, tags), { hint: 'rename or delete that database in the RDS console' });
    }
    return info(existing);
  }
  const names = clusterResourceNames(config.name);
  const network = await findClusterNetwork(config.region, config.name);
  const securityGroup = network.securityGroups['sg-db'];
  if (securityGroup === undefined) {
    throw new FutuswarmError('not_found', `cluster ${config.name} has no database security group`, { hint: 'run futuswarm admin cluster:bootstrap to complete the cluster' });
  }
  const { bucket, keyAlias } = await clusterLocation(config);
  const master = await ensureMasterSecret(config.region, { bucket, key: appDbSecretKey(request.app), keyArn: keyAlias });
  options.onProgress?.(`creating database ${instanceId} (this takes several minutes)`);
  await createDbInstance(ctx, {
    instanceId,
    engineVersion: request.engineVersion ?? config.databases.engineVersion,
    instanceClass: request.instanceClass ?? config.databases.instanceClass,
    storageGb: request.storageGb ?? config.databases.storageGb,
    backupRetentionDays: config.databases.backupRetentionDays,
    subnetGroup: names.dbSubnetGroup,
    securityGroup,
    tags: resourceTags(config, `db-${request.app}`, { [TAG_APP]: request.app }),
    master,
  });
  return (await describeDatabaseInstance(config.region, instanceId))!;
}

/** Delete an app's dedicated instance after a final snapshot (kept until deleted by hand). */
export async function deleteDedicatedDatabase(config: DataServicesScope, app: string, options: DbOptions & { finalSnapshot?: boolean } = {}): Promise<{ snapshotId: string | null }> {
  const instanceId = appDbInstanceId(config.name, app);
  const existing = await describeInstance(config.region, instanceId);
  if (existing === undefined) throw new FutuswarmError('not_found', `app ${app} has no dedicated database`);
  const tags = fromAwsTags(existing.TagList);
  if (tags[TAG_CLUSTER] !== config.name || tags[TAG_APP] !== app) {
    throw new FutuswarmError('forbidden', `database ${instanceId} does not belong to app ${app} of cluster ${config.name}`);
  }
  options.onProgress?.(`deleting database ${instanceId}${options.finalSnapshot === false ? '' : ' after a final snapshot'}`);
  return deleteDbInstance({ region: config.region, ...(options.wait ? { wait: options.wait } : {}) }, instanceId, { finalSnapshot: options.finalSnapshot ?? true });
}
