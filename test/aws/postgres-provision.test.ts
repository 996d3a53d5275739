import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { FutuswarmError } from '../../src/core/errors.ts';
import { appDatabaseExists, appDatabaseNames, createAppDatabase, dropAppDatabase } from '../../src/aws/postgres-provision.ts';
import { POSTGRES_BINS, rdsLikeAdmin, startPostgres, type TestPostgres } from '../helpers/postgres.ts';

async function canConnect(url: string): Promise<true | string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('CREATE TABLE IF NOT EXISTS probe (id int)');
    return true;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

function asUrl(databaseUrl: string, database: string): string {
  const u = new URL(databaseUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

describe('createAppDatabase on a real PostgreSQL 15, as its superuser', () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test('two apps: each role reaches its own database and is refused on the other\'s', async () => {
    const shop = await createAppDatabase({ adminUrl: server.adminUrl, app: 'shop' });
    const blog = await createAppDatabase({ adminUrl: server.adminUrl, app: 'my-blog' });
    assert.equal(shop.database, 'app_shop');
    assert.equal(blog.role, 'app_my_blog');
    assert.match(shop.databaseUrl, new RegExp(`^postgresql://app_shop:[A-Za-z0-9_-]{32}@127\\.0\\.0\\.1:${server.port}/app_shop$`));

    assert.equal(await canConnect(shop.databaseUrl), true);
    assert.equal(await canConnect(blog.databaseUrl), true);
    assert.match(String(await canConnect(asUrl(shop.databaseUrl, 'app_my_blog'))), /permission denied for database "app_my_blog"/);
    assert.match(String(await canConnect(asUrl(blog.databaseUrl, 'app_shop'))), /permission denied for database "app_shop"/);
    // Nor create anything in the admin's database.
    assert.match(String(await canConnect(asUrl(shop.databaseUrl, 'postgres'))), /permission denied|must be owner|CREATE/);
  });

  test('running it again keeps the data and issues a new password; the old one stops working', async () => {
    const first = await createAppDatabase({ adminUrl: server.adminUrl, app: 'shop2' });
    const c = new pg.Client({ connectionString: first.databaseUrl });
    await c.connect();
    await c.query('CREATE TABLE orders (id int); INSERT INTO orders VALUES (42)');
    await c.end();

    const second = await createAppDatabase({ adminUrl: server.adminUrl, app: 'shop2' });
    assert.notEqual(second.databaseUrl, first.databaseUrl);
    assert.match(String(await canConnect(first.databaseUrl)), /password authentication failed/);
    const c2 = new pg.Client({ connectionString: second.databaseUrl });
    await c2.connect();
    const rows = await c2.query('SELECT id FROM orders');
    await c2.end();
    assert.deepEqual(rows.rows, [{ id: 42 }]);
  });

  test('identifiers are quoted: names that are not valid apps never reach SQL', async () => {
    assert.throws(() => appDatabaseNames('x"; DROP DATABASE postgres; --'), (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input');
    await assert.rejects(createAppDatabase({ adminUrl: server.adminUrl, app: 'Robert"); DROP' }), (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input');
  });

  test('dropAppDatabase removes the database and the role, and tolerates a second call', async () => {
    const db = await createAppDatabase({ adminUrl: server.adminUrl, app: 'gone' });
    await dropAppDatabase({ adminUrl: server.adminUrl, app: 'gone' });
    await dropAppDatabase({ adminUrl: server.adminUrl, app: 'gone' });
    assert.match(String(await canConnect(db.databaseUrl)), /password authentication failed|does not exist/);
  });

  test('a wrong admin password is a forbidden error, an unreachable server unavailable', async () => {
    const wrong = new URL(server.adminUrl);
    wrong.password = 'nope';
    await assert.rejects(createAppDatabase({ adminUrl: wrong.toString(), app: 'shop' }), (e: unknown) => e instanceof FutuswarmError && e.code === 'forbidden');
    await assert.rejects(createAppDatabase({ adminUrl: 'postgresql://postgres:x@127.0.0.1:1/postgres', app: 'shop' }), (e: unknown) => e instanceof FutuswarmError && e.code === 'unavailable');
  });
});

/**
 * RDS's master user is no superuser. From PostgreSQL 16 on, a CREATEROLE login gets only ADMIN
 * OPTION on the roles it creates (no INHERIT, no SET), which is what broke db:create there; and
 * only a superuser may name SUPERUSER in ALTER ROLE, which broke re-running it.
 */
for (const [version, bin] of Object.entries(POSTGRES_BINS)) {
  describe(`db:create and db:destroy on PostgreSQL ${version}, as a non-superuser admin like RDS's master user`, () => {
    let server: TestPostgres;
    let adminUrl: string;
    before(async () => {
      server = await startPostgres(bin);
      adminUrl = await rdsLikeAdmin(server);
    });
    after(async () => {
      await server?.stop();
    });

    test('creates a database the app owns and reaches alone', async () => {
      const su = new pg.Client({ connectionString: server.adminUrl });
      await su.connect();
      const v = await su.query<{ server_version: string }>('SHOW server_version');
      await su.end();
      assert.match(v.rows[0]?.server_version ?? '', new RegExp(`^${version}\\.`));
      const shop = await createAppDatabase({ adminUrl, app: 'shop' });
      const blog = await createAppDatabase({ adminUrl, app: 'blog' });
      assert.equal(await canConnect(shop.databaseUrl), true);
      assert.equal(await canConnect(blog.databaseUrl), true);
      assert.match(String(await canConnect(asUrl(shop.databaseUrl, 'app_blog'))), /permission denied for database "app_blog"/);
      const owner = new pg.Client({ connectionString: server.adminUrl });
      await owner.connect();
      const rows = await owner.query<{ owner: string }>("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'app_shop'");
      await owner.end();
      assert.deepEqual(rows.rows, [{ owner: 'app_shop' }]);
    });

    test('running it again keeps the data and issues a new password', async () => {
      const first = await createAppDatabase({ adminUrl, app: 'again' });
      const c = new pg.Client({ connectionString: first.databaseUrl });
      await c.connect();
      await c.query('CREATE TABLE orders (id int); INSERT INTO orders VALUES (7)');
      await c.end();
      const second = await createAppDatabase({ adminUrl, app: 'again' });
      assert.match(String(await canConnect(first.databaseUrl)), /password authentication failed/);
      const c2 = new pg.Client({ connectionString: second.databaseUrl });
      await c2.connect();
      assert.deepEqual((await c2.query('SELECT id FROM orders')).rows, [{ id: 7 }]);
      await c2.end();
    });

    test('dropAppDatabase removes the database and the role, also one an earlier admin session created', async () => {
      assert.equal(await appDatabaseExists({ adminUrl, app: 'gone' }), false);
      const db = await createAppDatabase({ adminUrl, app: 'gone' });
      assert.equal(await appDatabaseExists({ adminUrl, app: 'gone' }), true);
      await dropAppDatabase({ adminUrl, app: 'gone' });
      await dropAppDatabase({ adminUrl, app: 'gone' });
      assert.equal(await appDatabaseExists({ adminUrl, app: 'gone' }), false);
      assert.match(String(await canConnect(db.databaseUrl)), /password authentication failed|does not exist/);
      const su = new pg.Client({ connectionString: server.adminUrl });
      await su.connect();
      const left = await su.query("SELECT 1 FROM pg_database WHERE datname = 'app_gone' UNION ALL SELECT 1 FROM pg_roles WHERE rolname = 'app_gone'");
      await su.end();
      assert.equal(left.rowCount, 0);
    });

    test('a role of the app\'s name that is a superuser is refused and left alone', async () => {
      const su = new pg.Client({ connectionString: server.adminUrl });
      await su.connect();
      await su.query('CREATE ROLE app_evil WITH LOGIN SUPERUSER');
      await su.end();
      await assert.rejects(createAppDatabase({ adminUrl, app: 'evil' }), (e: unknown) => e instanceof FutuswarmError && e.code === 'conflict' && /superuser/.test(e.message));
    });
  });
}
