/**
 * `app:remove --purge` takes the app's database (and role) and cache with it, so a new app of
 * the same name starts empty: on the local cluster's PostgreSQL and Redis (standing in for RDS
 * and ElastiCache) and moto. Without --purge they stay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { dbName, REDIS_PORT, redisAuthPing, superuserQuery } from '../helpers/data-services.ts';
import { removeServiceIfExists, serviceExists } from '../helpers/docker.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `pg-shop-${run}`;
const LEFT = `pg-left-${run}`;

interface Removed { app: string; removed: boolean; purged: boolean; database: { kind: string; name: string; snapshot: string | null } | null; cache: string | null }

/** Runs SQL as the app's own role, with its DATABASE_URL. */
async function asApp(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const leftInPostgres = async (app: string) => [
  ...(await superuserQuery('SELECT datname AS name FROM pg_database WHERE datname = $1', [dbName(app)])),
  ...(await superuserQuery('SELECT rolname AS name FROM pg_roles WHERE rolname = $1', [dbName(app)])),
];

describe('app:remove --purge takes the database and the cache with it', () => {
  let cli: CliSandbox;
  const secret = async (app: string, key: string): Promise<string> => {
    const r = await cli.run(['app:secrets', 'get', '-n', app, key]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const deploy = async (app: string) => {
    const r = await cli.run(['app:deploy', '-n', app, '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    cli = await localSandbox();
    for (const app of [APP, LEFT]) removeServiceIfExists(app);
    await deploy(APP);
    for (const args of [['db:create', '-n', APP], ['cache:create', '-n', APP]]) {
      const r = await cli.run(args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await removeApps(cli, APP, LEFT);
  });

  it('without --purge the service goes and the database, the cache and their URLs stay', async () => {
    const url = await secret(APP, 'DATABASE_URL');
    await asApp(url, 'CREATE TABLE orders (id int); INSERT INTO orders VALUES (7)');
    const r = await cli.run(['app:remove', '-n', APP, '--confirm', APP]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `removed ${APP}; its secrets, releases, owners, database and cache are kept (--purge deletes them)\n`);
    assert.equal(serviceExists(APP), false);
    assert.deepEqual(await asApp(url, 'SELECT id FROM orders'), [{ id: 7 }]);
    assert.deepEqual((await redisAuthPing(REDIS_PORT, decodeURIComponent(new URL(await secret(APP, 'REDIS_URL')).password)))[1], '+PONG');
  });

  it('--purge drops the database and its role, deletes the cache and its token, and says so', async () => {
    const token = decodeURIComponent(new URL(await secret(APP, 'REDIS_URL')).password);
    const r = await cli.run(['app:remove', '-n', APP, '--purge', '--confirm', APP]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${APP} has its database ${dbName(APP)} and role on the shared instance and its cache fs-local-${APP}: they go with it`));
    assert.equal(
      r.stdout,
      `deleted ${APP}: its secrets, releases, settings, owners and images\n` +
        `dropped its database ${dbName(APP)} and its role from the shared instance\n` +
        `deleted its cache fs-local-${APP}\n`,
    );
    assert.deepEqual(await leftInPostgres(APP), []);
    assert.match((await redisAuthPing(REDIS_PORT, token))[0] ?? '', /^-WRONGPASS/);
  });

  it('a new app of the same name starts empty: its database has none of the old tables', async () => {
    await deploy(APP);
    const created = await cli.run(['db:create', '-n', APP]);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(await asApp(await secret(APP, 'DATABASE_URL'), "SELECT to_regclass('public.orders') AS orders"), [{ orders: null }]);
    const purged = await cli.json<Removed>(['app:remove', '-n', APP, '--purge', '--confirm', APP]);
    assert.deepEqual(purged, { app: APP, removed: true, purged: true, ownersRemoved: true, database: { kind: 'shared', name: dbName(APP), snapshot: null }, cache: null });
  });

  it('a database that lost its DATABASE_URL is found and dropped all the same', async () => {
    await deploy(LEFT);
    assert.equal((await cli.run(['db:create', '-n', LEFT, '--no-restart'])).code, 0);
    assert.equal((await cli.run(['app:secrets', 'unset', '-n', LEFT, 'DATABASE_URL', '--no-restart', '--confirm', LEFT])).code, 0);
    assert.equal((await leftInPostgres(LEFT)).length, 2);
    const purged = await cli.json<Removed>(['app:remove', '-n', LEFT, '--purge', '--confirm', LEFT]);
    assert.deepEqual([purged.database?.name, purged.cache], [dbName(LEFT), null]);
    assert.deepEqual(await leftInPostgres(LEFT), []);
  });

  it('an app without a database or a cache is purged as before', async () => {
    await deploy(LEFT);
    const r = await cli.run(['app:remove', '-n', LEFT, '--purge', '--confirm', LEFT]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${LEFT} has no database and no cache`));
    assert.equal(r.stdout, `removed ${LEFT} and deleted its secrets, releases, settings, owners and images\n`);
  });
});
