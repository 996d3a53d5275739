/**
 * The SQL half of `db:create`: a database and a login role for one app on a PostgreSQL server
 * (the cluster's shared RDS instance or the app's dedicated one), reachable only by that role.
 *
 * Identifiers are always quoted with escapeIdentifier and lookups are parameterised; the only
 * literal built into SQL is the generated password (escapeLiteral), because PostgreSQL takes
 * no parameters in CREATE/ALTER ROLE.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { appName } from '../core/names.ts';

export interface AppDatabase {
  /** postgresql://role:password@host:port/database, with the admin URL's query (sslmode …). */
  databaseUrl: string;
  database: string;
  role: string;
}

/** `my-shop` → database and role `app_my_shop`: never a built-in role such as `postgres`. */
export function appDatabaseNames(app: string): { database: string; role: string } {
  const name = `app_${parseWith(appName, app, 'app name').replace(/-/g, '_')}`;
  return { database: name, role: name };
}

function pgFailure(e: unknown, what: string): FutuswarmError {
  if (e instanceof FutuswarmError) return e;
  const err = e as { code?: string; message?: string };
  const text = err.message ?? String(e);
  if (err.code === '28P01' || err.code === '28000') {
    return new FutuswarmError('forbidden', `PostgreSQL refused the admin credentials while ${what}: ${text}`, {
      hint: 'check the master credentials stored in the cluster state',
      cause: e,
    });
  }
  if (err.code === '42501') {
    return new FutuswarmError('forbidden', `PostgreSQL denied ${what}: ${text}`, { hint: 'the admin role needs CREATEROLE and CREATEDB', cause: e });
  }
  if (err.code !== undefined && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|57P03)$/.test(err.code)) {
    return new FutuswarmError('unavailable', `cannot reach PostgreSQL while ${what}: ${text}`, { hint: 'is the database available? futuswarm db:info shows its state', cause: e });
  }
  return new FutuswarmError('internal', `PostgreSQL failed while ${what}: ${text}`, { cause: e });
}

async function connect(url: string, what: string): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits 'error'; without a listener that would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw pgFailure(e, what);
  }
  return client;
}

function withDatabase(url: string, database: string, credentials?: { user: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  if (credentials) {
    u.username = encodeURIComponent(credentials.user);
    u.password = encodeURIComponent(credentials.password);
  }
  return u.toString();
}

/**
 * Let a non-superuser admin (RDS's master user) act as the app's role: owning its database, or
 * dropping it, takes the owner's privileges (INHERIT) and handing ownership over takes SET ROLE.
 * Up to PostgreSQL 15 plain membership gives both. From 16 on, a CREATEROLE admin gets only
 * ADMIN OPTION on the roles it creates, without INHERIT or SET, so it grants itself those.
 */
async function ensureActsAs(admin: Client, role: string): Promise<void> {
  const me = await admin.query<{ super: boolean; version: string }>(
    "SELECT rolsuper AS super, current_setting('server_version_num') AS version FROM pg_roles WHERE rolname = current_user",
  );
  if (me.rows[0]?.super) return;
  const r = admin.escapeIdentifier(role);
  if (Number(me.rows[0]?.version ?? 0) >= 160000) {
    const can = await admin.query<{ set: boolean; usage: boolean }>("SELECT pg_has_role(current_user, $1, 'SET') AS set, pg_has_role(current_user, $1, 'USAGE') AS usage", [role]);
    if (!can.rows[0]?.set || !can.rows[0]?.usage) await admin.query(`GRANT ${r} TO CURRENT_USER WITH INHERIT TRUE, SET TRUE`);
    return;
  }
  const member = await admin.query<{ member: boolean }>("SELECT pg_has_role(current_user, $1, 'MEMBER') AS member", [role]);
  if (!member.rows[0]?.member) await admin.query(`GRANT ${r} TO CURRENT_USER`);
}

/**
 * Create (or bring back in line) the app's role and database. Idempotent; every call sets a
 * new random password, so the returned URL is the only valid one from then on.
 */
export async function createAppDatabase(input: { adminUrl: string; app: string }): Promise<AppDatabase> {
  const { database, role } = appDatabaseNames(input.app);
  const password = randomBytes(24).toString('base64url');
  const admin = await connect(input.adminUrl, `creating the database of ${input.app}`);
  try {
    const r = admin.escapeIdentifier(role);
    const db = admin.escapeIdentifier(database);
    const existing = await admin.query<{ super: boolean }>('SELECT rolsuper AS super FROM pg_roles WHERE rolname = $1', [role]);
    if (existing.rows[0]?.super) {
      throw new FutuswarmError('conflict', `the role ${role} on this server is a superuser, which futuswarm never makes`, {
        hint: 'an administrator of the database server must look at that role; futuswarm leaves it alone',
      });
    }
    // Only a superuser may name SUPERUSER (even NOSUPERUSER) in ALTER ROLE: a new role gets its
    // attributes once; a re-run changes only the login and the password.
    if (existing.rowCount === 0) await admin.query(`CREATE ROLE ${r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${admin.escapeLiteral(password)}`);
    else await admin.query(`ALTER ROLE ${r} WITH LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
    await ensureActsAs(admin, role);
    const dbExists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (dbExists.rowCount === 0) await admin.query(`CREATE DATABASE ${db} OWNER ${r}`);
    else await admin.query(`ALTER DATABASE ${db} OWNER TO ${r}`);
    // Nobody else may connect: by default every role can connect to every database. Inside it,
    // the public schema belongs to the database owner (PostgreSQL 15 and later), i.e. the app.
    await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await admin.query(`GRANT ALL ON DATABASE ${db} TO ${r}`);
  } catch (e) {
    throw pgFailure(e, `creating the database of ${input.app}`);
  } finally {
    await admin.end().catch(() => {});
  }
  return { databaseUrl: withDatabase(input.adminUrl, database, { user: role, password }), database, role };
}

/** Drop the app's database and role (for db:destroy on a shared instance). Missing ones are fine. */
export async function dropAppDatabase(input: { adminUrl: string; app: string }): Promise<void> {
  const { database, role } = appDatabaseNames(input.app);
  const admin = await connect(input.adminUrl, `dropping the database of ${input.app}`);
  try {
    const db = admin.escapeIdentifier(database);
    // Dropping a database takes its owner's privileges; databases made before this admin held them too.
    if ((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount !== 0) await ensureActsAs(admin, role);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(role)}`);
  } catch (e) {
    throw pgFailure(e, `dropping the database of ${input.app}`);
  } finally {
    await admin.end().catch(() => {});
  }
}

/** Whether the app's database or its role is on this server (looks only). */
export async function appDatabaseExists(input: { adminUrl: string; app: string }): Promise<boolean> {
  const { database, role } = appDatabaseNames(input.app);
  const what = `looking for the database of ${input.app}`;
  const admin = await connect(input.adminUrl, what);
  try {
    const found = await admin.query<{ found: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS found',
      [database, role],
    );
    return found.rows[0]?.found === true;
  } catch (e) {
    throw pgFailure(e, what);
  } finally {
    await admin.end().catch(() => {});
  }
}
