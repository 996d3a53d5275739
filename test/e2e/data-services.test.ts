/**
 * Databases and caches for apps end to end: the CLI → SSH → agent → moto (RDS, ElastiCache,
 * S3, KMS) for the AWS half, and the local PostgreSQL and Redis that scripts/local-cluster.sh
 * runs in place of RDS and ElastiCache for the SQL and AUTH half. Connection URLs may only be
 * read through app:secrets get; no other output may carry them.
 */
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { sharedDatabaseAdmin } from '../../src/aws/rds.ts';
import { writeJsonObject } from '../../src/aws/s3-bucket.ts';
import { loadClusterFile } from '../../src/config/cluster-file.ts';
import { appDbInstanceId, appDbSecretKey, keyAliasName } from '../../src/core/plan-names.ts';
import { LOCAL, localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { removeServiceIfExists } from '../helpers/docker.ts';
import { awsTestEnv } from '../helpers/moto.ts';
import { containerEnv, dbName, PG_PORT, REDIS_PORT, redisAuthPing, SERVICES_ADDR, SERVICES_RE, superuserQuery, tryDatabase } from '../helpers/data-services.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const SHOP = `ds-shop-${run}`;
const BLOG = `ds-blog-${run}`;
const WIKI = `ds-wiki-${run}`;
const APPS = [SHOP, BLOG, WIKI];

describe('databases and caches for apps', () => {
  let cli: CliSandbox;
  const outputs: string[] = [];
  const runCli = async (args: string[]): Promise<CliResult> => {
    const r = await cli.run(args);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const secret = async (app: string, key: string): Promise<string> => {
    const r = await cli.run(['app:secrets', 'get', '-n', app, key]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const urls: Record<string, string> = {};

  before(async () => {
    cli = await localSandbox();
    await Promise.all(
      APPS.map(async (app) => {
        removeServiceIfExists(app);
        const r = await cli.run(['app:deploy', '-n', app, '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
        assert.equal(r.code, 0, r.stderr);
      }),
    );
  });
  after(async () => {
    await removeApps(cli, ...APPS);
  });

  describe('db:create on the shared instance', () => {
    it('creates a database per app and puts DATABASE_URL in its secrets without printing it', async () => {
      const shop = await runCli(['db:create', '-n', SHOP]);
      assert.equal(shop.code, 0, shop.stderr);
      assert.match(shop.stdout, new RegExp(`^${SHOP}: database ${dbName(SHOP)} \\(role ${dbName(SHOP)}\\) on the shared instance futuswarm-local-shared, ${SERVICES_RE}:${PG_PORT}$`, 'm'));
      assert.match(shop.stdout, new RegExp(`DATABASE_URL is in ${SHOP}'s secrets \\(version .+\\); ${SHOP} now runs release 2 with it`));
      assert.match(shop.stderr, new RegExp(`creating database ${dbName(SHOP)} and role ${dbName(SHOP)} on the shared instance`));

      const blog = await runCli(['db:create', '-n', BLOG, '--json']);
      assert.equal(blog.code, 0, blog.stderr);
      const result = JSON.parse(blog.stdout) as Record<string, unknown>;
      assert.deepEqual(
        { ...result, secretsVersion: typeof result.secretsVersion },
        {
          app: BLOG, engine: 'postgres', kind: 'shared', instance: 'futuswarm-local-shared', host: SERVICES_ADDR, port: PG_PORT,
          database: dbName(BLOG), user: dbName(BLOG), secret: 'DATABASE_URL', secretsVersion: 'string', restarted: true, release: 2,
        },
      );

      urls[SHOP] = await secret(SHOP, 'DATABASE_URL');
      urls[BLOG] = await secret(BLOG, 'DATABASE_URL');
      for (const app of [SHOP, BLOG]) {
        const url = new URL(urls[app]!);
        assert.equal(url.username, dbName(app));
        assert.equal(url.pathname, `/${dbName(app)}`);
        assert.match(url.password, /^[A-Za-z0-9_-]{32}$/);
        for (const out of outputs) assert.ok(!out.includes(url.password), 'a database password appeared in CLI output');
      }
    });

    it('each role connects to its own database and is refused on the other\'s', async () => {
      assert.equal(await tryDatabase(urls[SHOP]!), 'connected');
      assert.equal(await tryDatabase(urls[BLOG]!), 'connected');
      assert.match(await tryDatabase(urls[SHOP]!.replace(`/${dbName(SHOP)}?`, `/${dbName(BLOG)}?`)), new RegExp(`permission denied for database "${dbName(BLOG)}"`));
      assert.match(await tryDatabase(urls[BLOG]!.replace(`/${dbName(BLOG)}?`, `/${dbName(SHOP)}?`)), new RegExp(`permission denied for database "${dbName(SHOP)}"`));
    });

    it('the running container has DATABASE_URL', () => {
      assert.equal(containerEnv(SHOP).DATABASE_URL, urls[SHOP]);
      assert.equal(containerEnv(BLOG).DATABASE_URL, urls[BLOG]);
    });

    it('db:info shows the instance, host, database and user, never the password', async () => {
      const r = await runCli(['db:info', '-n', SHOP, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const info = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.deepEqual(
        { kind: info.kind, host: info.host, port: info.port, database: info.database, user: info.user, secret: info.secret },
        { kind: 'shared', host: SERVICES_ADDR, port: PG_PORT, database: dbName(SHOP), user: dbName(SHOP), secret: 'DATABASE_URL' },
      );
      assert.deepEqual((info.instance as { id: string; status: string }).id, 'futuswarm-local-shared');
      const human = await runCli(['db:info', '-n', SHOP]);
      assert.match(human.stdout, new RegExp(`^database: +${dbName(SHOP)}$`, 'm'));
      assert.ok(!human.stdout.includes(new URL(urls[SHOP]!).password));
    });

    it('someone who does not own the app is refused', async () => {
      const configHome = process.env.XDG_CONFIG_HOME ?? join(process.env.HOME ?? homedir(), '.config');
      const alice = await localSandbox({ identityFile: join(configHome, 'futuswarm', 'ldap-users', 'alice', 'id_ed25519') });
      const r = await alice.run(['db:create', '-n', SHOP]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`forbidden: ${SHOP} is owned by admin`));
    });

    it('db:create for an app that does not exist says so', async () => {
      const r = await runCli(['db:create', '-n', `ds-none-${run}`]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /there is no app named ds-none-/);
    });
  });

  describe('cache:create', () => {
    let url: string;
    it('puts REDIS_URL in the app\'s secrets after checking its AUTH token', async () => {
      const r = await runCli(['cache:create', '-n', SHOP]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${SHOP}: Redis fs-local-${SHOP} at ${SERVICES_RE}:${REDIS_PORT} \\(no TLS, AUTH token checked\\)$`, 'm'));
      assert.match(r.stderr, new RegExp(`logging in to ${SERVICES_RE}:\\d+ with the AUTH token`));
      url = await secret(SHOP, 'REDIS_URL');
      assert.match(url, new RegExp(`^redis://:[0-9a-f]{64}@${SERVICES_RE}:${REDIS_PORT}$`));
      const token = decodeURIComponent(new URL(url).password);
      for (const out of outputs) assert.ok(!out.includes(token), 'the AUTH token appeared in CLI output');
      assert.equal(containerEnv(SHOP).REDIS_URL, url);
    });

    it('Redis accepts the generated token and refuses a wrong one', async () => {
      assert.deepEqual(await redisAuthPing(REDIS_PORT, decodeURIComponent(new URL(url).password)), ['+OK', '+PONG']);
      const [auth] = await redisAuthPing(REDIS_PORT, 'not-the-token');
      assert.match(auth ?? '', /^-WRONGPASS/);
    });

    it('cache:info shows the cache and the address the app uses, never the token', async () => {
      const info = await cli.json<Record<string, unknown>>(['cache:info', '-n', SHOP]);
      assert.deepEqual(
        { cache: info.cache, status: info.status, transitEncryption: info.transitEncryption, authToken: info.authToken, host: info.host, port: info.port, tls: info.tls, secret: info.secret },
        { cache: `fs-local-${SHOP}`, status: 'available', transitEncryption: true, authToken: true, host: SERVICES_ADDR, port: REDIS_PORT, tls: false, secret: 'REDIS_URL' },
      );
      assert.ok(!JSON.stringify(info).includes(new URL(url).password));
    });

    it('cache:destroy needs the confirmation, then deletes the cache, the secret and the token', async () => {
      const refused = await runCli(['cache:destroy', '-n', SHOP]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, new RegExp(`confirm with the app's name; nothing was changed\\nhint: futuswarm cache:destroy -n ${SHOP} --confirm ${SHOP}`));
      const r = await runCli(['cache:destroy', '-n', SHOP, '--confirm', SHOP]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`REDIS_URL removed from ${SHOP}'s secrets`));
      const [auth] = await redisAuthPing(REDIS_PORT, decodeURIComponent(new URL(url).password));
      assert.match(auth ?? '', /^-WRONGPASS/);
      assert.equal(containerEnv(SHOP).REDIS_URL, undefined);
    });
  });

  describe('db:create --dedicated', () => {
    it('makes an RDS instance of the app\'s own, tagged with the app, and a database on it', async () => {
      // The local PostgreSQL plays every instance, so the new instance's master credentials
      // must be the ones it knows: store them before db:create would generate new ones.
      Object.assign(process.env, awsTestEnv());
      const config = await loadClusterFile(join(LOCAL.dir, 'cluster.yaml'));
      const master = await sharedDatabaseAdmin(config, { endpointOverride: { host: '127.0.0.1', port: PG_PORT } });
      await writeJsonObject(config.region, { bucket: 'futuswarm-local-state', key: appDbSecretKey(WIKI), keyArn: keyAliasName('local') }, { username: master.username, password: master.password }, { onlyIfAbsent: true });

      const r = await runCli(['db:create', '-n', WIKI, '--dedicated', '--class', 'db.t4g.small', '--no-restart', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout) as { kind: string; instance: string; database: string };
      assert.deepEqual([result.kind, result.instance, result.database], ['dedicated', appDbInstanceId('local', WIKI), dbName(WIKI)]);
      const rds = new RDSClient({ region: 'eu-north-1' });
      const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: appDbInstanceId('local', WIKI) }))).DBInstances![0]!;
      assert.equal(db.DBInstanceClass, 'db.t4g.small');
      assert.equal(db.StorageEncrypted, true);
      assert.equal(db.DeletionProtection, true);
      const tags = Object.fromEntries((db.TagList ?? []).map((t) => [t.Key, t.Value]));
      assert.deepEqual([tags['futuswarm:cluster'], tags['futuswarm:app']], ['local', WIKI]);
      assert.equal(await tryDatabase(await secret(WIKI, 'DATABASE_URL')), 'connected');

      const info = await cli.json<{ kind: string; instance: { id: string; class: string } }>(['db:info', '-n', WIKI]);
      assert.deepEqual([info.kind, info.instance.id, info.instance.class], ['dedicated', appDbInstanceId('local', WIKI), 'db.t4g.small']);

      const destroyed = await runCli(['db:destroy', '-n', WIKI, '--confirm', WIKI, '--no-restart', '--json']);
      assert.equal(destroyed.code, 0, destroyed.stderr);
      const { snapshot } = JSON.parse(destroyed.stdout) as { snapshot: string };
      assert.match(snapshot, new RegExp(`^${appDbInstanceId('local', WIKI)}-final-\\d{14}$`));
      assert.equal((await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshot }))).DBSnapshots?.length, 1);
    });
  });

  describe('db:destroy', () => {
    it('refuses without the app\'s name as confirmation and changes nothing', async () => {
      for (const args of [[], ['--confirm', BLOG]]) {
        const r = await runCli(['db:destroy', '-n', SHOP, ...args]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, new RegExp(`error: to destroy the database of ${SHOP} \\(its data is gone\\), confirm with the app's name`));
      }
      assert.equal(await tryDatabase(urls[SHOP]!), 'connected');
    });

    it('drops the database and the role, and removes DATABASE_URL; the other app keeps its own', async () => {
      const r = await runCli(['db:destroy', '-n', SHOP, '--confirm', SHOP]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${SHOP}: dropped database ${dbName(SHOP)} and its role from the shared instance$`, 'm'));
      assert.match(r.stdout, new RegExp(`DATABASE_URL removed from ${SHOP}'s secrets; ${SHOP} now runs release \\d+ without it`));
      assert.deepEqual(await superuserQuery('SELECT datname FROM pg_database WHERE datname = $1', [dbName(SHOP)]), []);
      assert.deepEqual(await superuserQuery('SELECT rolname FROM pg_roles WHERE rolname = $1', [dbName(SHOP)]), []);
      assert.match(await tryDatabase(urls[SHOP]!), /password authentication failed/);
      const list = await cli.json<{ keys: { key: string }[] }>(['app:secrets', 'list', '-n', SHOP]);
      assert.ok(!list.keys.some((k) => k.key === 'DATABASE_URL'));
      assert.equal(containerEnv(SHOP).DATABASE_URL, undefined);
      assert.equal(await tryDatabase(urls[BLOG]!), 'connected');

      const info = await runCli(['db:info', '-n', SHOP]);
      assert.equal(info.code, 1);
      assert.match(info.stderr, new RegExp(`${SHOP} has no database`));
      const gone = await runCli(['db:destroy', '-n', BLOG, '--confirm', BLOG, '--no-restart']);
      assert.equal(gone.code, 0, gone.stderr);
    });
  });
});
