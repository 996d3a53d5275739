/**
 * Databases and caches for apps: the AWS half against moto, the SQL half against a private
 * PostgreSQL (moto's RDS endpoints do not resolve, so the test connects through an override).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import pg from 'pg';
import { bootstrapCluster, clusterStatus, formatStatus } from '../../src/admin/bootstrap.ts';
import { destroyCluster } from '../../src/admin/destroy.ts';
import { createCache, deleteCache, describeCache } from '../../src/aws/elasticache.ts';
import { createAppDatabase } from '../../src/aws/postgres-provision.ts';
import { adminUrl, createDedicatedDatabase, deleteDbInstance, deleteDedicatedDatabase, MASTER_USERNAME, sharedDatabaseAdmin } from '../../src/aws/rds.ts';
import { parseClusterConfig } from '../../src/config/cluster-file.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { appDbInstanceId, cacheGroupId, clusterResourceNames } from '../../src/core/plan-names.ts';
import { uniqueName, useMoto } from '../helpers/moto.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { tryDatabase } from '../helpers/data-services.ts';

const REGION = 'eu-north-1';
const wait = { intervalMs: 50, timeoutMs: 60_000 };
const name = uniqueName('fs');
const config = parseClusterConfig({
  name,
  region: REGION,
  domain: `${name}.example.com`,
  network: { sshCidrs: ['203.0.113.0/24'] },
  nodes: { workers: 0, image: { id: 'ami-760aaa0f' } },
  databases: { shared: true },
  state: { requireTls: false },
  access: { admins: ['alice'], users: { alice: { keys: [] } } },
});

let rds: RDSClient;
let elasticache: ElastiCacheClient;
let sgDb: string;

before(async () => {
  useMoto();
  rds = new RDSClient({ region: REGION });
  elasticache = new ElastiCacheClient({ region: REGION });
  const result = await bootstrapCluster(config, { wait, certificateTimeoutMs: 120_000 });
  sgDb = result.ids['sg-db']!.id;
});

describe('the shared database', () => {
  test('is private, encrypted, backed up and protected, in the cluster\'s subnets behind the database firewall', async () => {
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: clusterResourceNames(name).sharedDbInstance }))).DBInstances![0]!;
    assert.equal(db.Engine, 'postgres');
    assert.equal(db.StorageEncrypted, true);
    assert.equal(db.DeletionProtection, true);
    assert.equal(db.PubliclyAccessible, false);
    assert.equal(db.BackupRetentionPeriod, 7);
    assert.equal(db.MasterUsername, MASTER_USERNAME);
    assert.equal(db.DBSubnetGroup?.DBSubnetGroupName, clusterResourceNames(name).dbSubnetGroup);
    assert.deepEqual(db.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId), [sgDb]);
  });

  describe('db:create on it, through an endpoint override', () => {
    let server: TestPostgres;
    before(async () => {
      server = await startPostgres();
    });
    after(async () => {
      await server?.stop();
    });

    test('the stored master credentials (a non-superuser, as on RDS) create a database per app', async () => {
      const admin = await sharedDatabaseAdmin(config, { endpointOverride: { host: server.host, port: server.port } });
      assert.equal(admin.username, MASTER_USERNAME);
      assert.match(admin.password, /^[A-Za-z0-9_-]{32}$/);
      // Make the local server accept what RDS would: the master role with the stored password.
      const su = new pg.Client({ connectionString: server.adminUrl });
      await su.connect();
      await su.query(`CREATE ROLE ${su.escapeIdentifier(admin.username)} LOGIN CREATEDB CREATEROLE PASSWORD ${su.escapeLiteral(admin.password)}`);
      await su.end();

      const shop = await createAppDatabase({ adminUrl: adminUrl(admin), app: 'shop' });
      const blog = await createAppDatabase({ adminUrl: adminUrl(admin), app: 'blog' });
      assert.equal(await tryDatabase(shop.databaseUrl), 'connected');
      assert.equal(await tryDatabase(blog.databaseUrl), 'connected');
      assert.match(await tryDatabase(shop.databaseUrl.replace(/\/app_shop$/, '/app_blog')), /permission denied for database "app_blog"/);
      assert.match(await tryDatabase(blog.databaseUrl.replace(/\/app_blog$/, '/app_shop')), /permission denied for database "app_shop"/);
    });
  });
});

describe('dedicated databases', () => {
  test('db:create --dedicated makes an encrypted, protected instance tagged with the app; again returns it', async () => {
    const created = await createDedicatedDatabase(config, { app: 'shop', instanceClass: 'db.t4g.small' }, { wait });
    const id = appDbInstanceId(name, 'shop');
    assert.equal(created.instanceId, id);
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
    assert.equal(db.DBInstanceClass, 'db.t4g.small');
    assert.equal(db.StorageEncrypted, true);
    assert.equal(db.DeletionProtection, true);
    assert.equal(db.BackupRetentionPeriod, 7);
    assert.deepEqual(db.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId), [sgDb]);
    const tags = Object.fromEntries((db.TagList ?? []).map((t) => [t.Key, t.Value]));
    assert.equal(tags['futuswarm:cluster'], name);
    assert.equal(tags['futuswarm:app'], 'shop');
    assert.deepEqual(await createDedicatedDatabase(config, { app: 'shop' }, { wait }), created);
  });

  test('cluster:destroy refuses while an app database exists', async () => {
    await assert.rejects(destroyCluster(config, { confirm: name, wait }), (e: unknown) => e instanceof FutuswarmError && e.code === 'conflict' && e.message.includes(`db-instance ${appDbInstanceId(name, 'shop')} (app shop)`));
  });

  test('db:destroy takes a final snapshot', async () => {
    const { snapshotId } = await deleteDedicatedDatabase(config, 'shop', { wait });
    assert.match(snapshotId ?? '', new RegExp(`^${appDbInstanceId(name, 'shop')}-final-\\d{14}$`));
    const snapshots = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId! }))).DBSnapshots!;
    assert.equal(snapshots.length, 1);
    // Its automated backups stay for their retention period, beside the final snapshot.
    const automated = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: appDbInstanceId(name, 'shop'), SnapshotType: 'automated' }));
    assert.ok((automated.DBSnapshots ?? []).length > 0, 'automated backups kept');
    await assert.rejects(deleteDedicatedDatabase(config, 'shop', { wait }), (e: unknown) => e instanceof FutuswarmError && e.code === 'not_found');
  });
});

describe('caches', () => {
  test('cache:create makes a Redis group with TLS and an AUTH token, and hands back a rediss:// URL', async () => {
    const cache = await createCache(config, { app: 'shop' }, { wait });
    const group = (await elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: cacheGroupId(name, 'shop') }))).ReplicationGroups![0]!;
    assert.equal(group.TransitEncryptionEnabled, true);
    assert.equal(group.AtRestEncryptionEnabled, true);
    assert.equal(group.AuthTokenEnabled, true);
    assert.match(cache.redisUrl ?? '', /^rediss:\/\/:[0-9a-f]{64}@[^:]+:6379$/);
    const again = await createCache(config, { app: 'shop' }, { wait });
    assert.equal(again.redisUrl, cache.redisUrl);
    assert.equal((await describeCache(config, 'shop'))?.authToken, true);
  });

  test('cache:destroy deletes it; creating it again before it is gone is a conflict', async () => {
    await deleteCache(config, 'shop', { wait });
    assert.ok([undefined, 'deleting'].includes((await describeCache(config, 'shop'))?.status), 'deleted or deleting');
    await assert.rejects(createCache(config, { app: 'shop' }, { wait }), (e: unknown) => e instanceof FutuswarmError && e.code === 'conflict');
  });

  test('cluster:destroy waits for a cache still being deleted, which holds the subnets, and deletes nothing meanwhile', async () => {
    // moto keeps a deleted replication group `deleting`: the wait runs out, as it would on a stuck one.
    assert.equal((await describeCache(config, 'shop'))?.status, 'deleting');
    const status = await clusterStatus(config);
    assert.ok(formatStatus(status).includes(`app cache of shop: ${cacheGroupId(name, 'shop')} (being deleted)`));
    const progress: string[] = [];
    await assert.rejects(
      destroyCluster(config, { confirm: name, wait: { intervalMs: 50, timeoutMs: 300 }, onProgress: (m) => progress.push(m) }),
      (e: unknown) => e instanceof FutuswarmError && e.code === 'unavailable' && e.message === `gave up waiting for cache ${cacheGroupId(name, 'shop')} (app shop) to finish deleting` && /nothing of cluster .* was deleted yet/.test(e.hint ?? ''),
    );
    assert.ok(progress.includes(`waiting for cache ${cacheGroupId(name, 'shop')} (app shop) to finish deleting`), progress.join('\n'));
    assert.ok((await clusterStatus(config)).rows.every((r) => r.status === 'ok'), 'nothing was deleted');
  });
});

describe('deleting the data', () => {
  test('a database deleted without a final snapshot (cluster:destroy --delete-data) leaves no automated backups either', async () => {
    const id = clusterResourceNames(name).sharedDbInstance;
    const automated = () => rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: id, SnapshotType: 'automated' })).then((r) => r.DBSnapshots ?? []);
    assert.ok((await automated()).length > 0, 'the instance has automated backups to begin with');
    assert.deepEqual(await deleteDbInstance({ region: REGION, wait }, id, { finalSnapshot: false }), { snapshotId: null });
    assert.deepEqual(await automated(), []);
  });
});
