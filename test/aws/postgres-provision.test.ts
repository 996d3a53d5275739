import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { FutuswarmError } from '../../src/core/errors.ts';
import { appDatabaseNames, createAppDatabase, dropAppDatabase } from '../../src/aws/postgres-provision.ts';
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres.ts';

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

describe('createAppDatabase on a real PostgreSQL', { skip: !postgresAvailable() && 'PostgreSQL 15 is not installed' }, () => {
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
