/**
 * A private, throw-away PostgreSQL server for tests: initdb into a temporary directory, started
 * on a free loopback port with its socket in that directory, run as the `postgres` OS user
 * (PostgreSQL refuses to run as root). Password authentication over TCP, as on RDS.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.FUTUSWARM_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  host: string;
  port: number;
  /** Superuser `postgres` over TCP with a password. */
  adminUrl: string;
  stop(): Promise<void>;
}

export function postgresAvailable(): boolean {
  return existsSync(join(BIN, 'initdb')) && existsSync(join(BIN, 'pg_ctl'));
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

export async function startPostgres(): Promise<TestPostgres> {
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
  run(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', `--pwfile=${join(dir, 'pwfile')}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  run(join(BIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    adminUrl: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
