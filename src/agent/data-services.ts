/**
 * What `db:*` and `cache:*` share on the agent side: the cluster as the AWS adapters see it
 * (from the agent config), connection URLs and what of them may be shown, and the rule that
 * data services belong to apps that exist.
 */
import { readFileSync } from 'node:fs';
import type { DataServicesScope } from '../config/cluster-file.ts';
import { FutuswarmError } from '../core/errors.ts';
import type { AgentConfig } from '../config/agent-config.ts';

export const DATABASE_URL = 'DATABASE_URL';
export const REDIS_URL = 'REDIS_URL';

/** The cluster as src/aws/rds.ts and src/aws/elasticache.ts need it. */
export function dataServicesScope(config: AgentConfig, env: NodeJS.ProcessEnv = process.env): DataServicesScope {
  const region = config.state.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') {
    throw new FutuswarmError('config', 'the agent does not know its AWS region', {
      hint: 'an admin can set state.region in the agent config, or AWS_REGION in /etc/futuswarm/agent.env',
    });
  }
  const { shared, instanceClass, engineVersion, storageGb, backupRetentionDays } = config.databases;
  return {
    name: config.cluster,
    region,
    state: { bucket: config.state.bucket },
    tags: {},
    databases: { shared, instanceClass, engineVersion, storageGb, backupRetentionDays },
    caches: { nodeType: config.caches.nodeType, engineVersion: config.caches.engineVersion },
  };
}

/** The TLS settings of the agent's own connection, as libpq-style URL parameters. */
export function adminConnectionParams(config: AgentConfig): Record<string, string> {
  if (config.databases.tls === 'disable') return { sslmode: 'disable' };
  return { sslmode: 'verify-full', ...(config.databases.caFile ? { sslrootcert: config.databases.caFile } : {}) };
}

/** DATABASE_URL as the app gets it: the credentials and database, and only `sslmode` as query. */
export function appDatabaseUrl(url: string, config: AgentConfig): string {
  const u = new URL(url);
  u.search = '';
  const sslmode = config.databases.appSslmode ?? (config.databases.tls === 'disable' ? 'disable' : 'require');
  u.searchParams.set('sslmode', sslmode);
  return u.toString();
}

export function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** What may be shown of a connection URL: everything but the password. */
export interface ConnectionInfo {
  scheme: string;
  host: string;
  port: number;
  user: string;
  database: string | null;
}

export function connectionInfo(url: string, defaultPort: number): ConnectionInfo | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return {
    scheme: u.protocol.replace(/:$/, ''),
    host: u.hostname,
    port: u.port === '' ? defaultPort : Number(u.port),
    user: decodeURIComponent(u.username),
    database: database === '' ? null : database,
  };
}

/** Databases and caches belong to apps that exist: deployed at least once. */
export { requireApp } from './release.ts';

export function readPasswordFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new FutuswarmError('config', `cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: 'it must be readable by the futuswarm account (root:futuswarm, mode 0640)',
    });
  }
}
