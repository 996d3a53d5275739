/**
 * The local PostgreSQL and Redis that scripts/local-cluster.sh runs in place of RDS and
 * ElastiCache, as the data-service tests look at them: from this machine, as their admin.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';

export const dbName = (app: string) => `app_${app.replace(/-/g, '_')}`;

export const PG_PORT = Number(process.env.FUTUSWARM_PG_PORT ?? 5433);
export const REDIS_PORT = Number(process.env.FUTUSWARM_REDIS_PORT ?? 6380);
/** Where tasks reach the local PostgreSQL and Redis (scripts/local-cluster.sh): not 127.0.0.1, which is the task itself. */
export const SERVICES_ADDR = process.env.FUTUSWARM_SERVICES_ADDR ?? '10.231.0.1';
export const SERVICES_RE = SERVICES_ADDR.replace(/\./g, '\\.');
/** The local PostgreSQL's superuser (scripts/local-cluster.sh keeps its password there). */
const pgSuperuserUrl = () =>
  `postgresql://postgres:${encodeURIComponent(readFileSync('/var/lib/futuswarm-postgres/superuser-password', 'utf8').trim())}@127.0.0.1:${PG_PORT}/postgres`;

export function containerEnv(app: string): Record<string, string> {
  const ids = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${app}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  assert.ok(ids.length > 0, `no running container of ${app}`);
  const env = (JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .Config.Env}}', ids[0] ?? ''], { encoding: 'utf8' })) as string[] | null) ?? [];
  return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** Connect and write a table: 'connected', or PostgreSQL's refusal. */
export async function tryDatabase(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('CREATE TABLE IF NOT EXISTS probe (id int)');
    return 'connected';
  } catch (e) {
    return (e as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function superuserQuery(sql: string, params: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: pgSuperuserUrl() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The smallest RESP exchange: AUTH, then PING. Returns Redis's two answers. */
export function redisAuthPing(port: number, password: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const cmd = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
    socket.once('connect', () => socket.write(cmd('AUTH', password) + cmd('PING')));
    socket.on('data', (d) => {
      data += d.toString();
      const lines = data.split('\r\n').filter(Boolean);
      if (lines.length >= 2) {
        socket.destroy();
        resolve(lines.slice(0, 2));
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => reject(new Error('Redis did not answer')));
  });
}
