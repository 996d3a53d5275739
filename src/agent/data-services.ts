/**
 * What `db:*`, `cache:*` and `app:remove --purge` share on the agent side: the cluster as the
 * AWS adapters see it (from the agent config), connection URLs and what of them may be shown,
 * dropping an app's database and deleting its cache, and the rule that data services belong to
 * apps that exist.
 */
import { readFileSync } from 'node:fs';
import type { DatabaseInstanceInfo } from '../aws/rds.ts';
import type { DataServicesScope } from '../config/cluster-file.ts';
import { FutuswarmError } from '../core/errors.ts';
import { appDbInstanceId, clusterResourceNames } from '../core/plan-names.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { OpContext } from './op.ts';

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

/** Where an app's database lives: on the cluster's shared instance, or on an instance of its own. */
export type DatabaseKind = 'shared' | 'dedicated';

/** The admin's URL of the instance that holds (or will hold) the app's database. */
export async function adminUrlFor(ctx: OpContext, kind: DatabaseKind, app: string): Promise<string> {
  const scope = dataServicesScope(ctx.config);
  const rds = await import('../aws/rds.ts');
  const override = kind === 'shared' ? ctx.config.databases.sharedEndpointOverride : ctx.config.databases.dedicatedEndpointOverride;
  const options = {
    onProgress: (m: string) => ctx.progress('database', m),
    ...(override ? { endpointOverride: override } : {}),
  };
  const admin = kind === 'shared' ? await rds.sharedDatabaseAdmin(scope, options) : await rds.dedicatedDatabaseAdmin(scope, app, options);
  return withParams(rds.adminUrl(admin), adminConnectionParams(ctx.config));
}

/** Which database the app has: its own instance if one exists, else one on the shared instance. */
export async function existingDatabase(config: AgentConfig, app: string): Promise<{ kind: DatabaseKind; instance: DatabaseInstanceInfo | undefined }> {
  const scope = dataServicesScope(config);
  const { describeDatabaseInstance } = await import('../aws/rds.ts');
  const own = await describeDatabaseInstance(scope.region, appDbInstanceId(scope.name, app));
  if (own !== undefined) return { kind: 'dedicated', instance: own };
  const shared = config.databases.shared ? await describeDatabaseInstance(scope.region, clusterResourceNames(scope.name).sharedDbInstance) : undefined;
  return { kind: 'shared', instance: shared };
}

/**
 * Delete the app's database: its own instance after a final snapshot (whose name is returned),
 * or its database and role on the shared instance (null).
 */
export async function dropDatabase(ctx: OpContext, app: string, kind: DatabaseKind): Promise<string | null> {
  if (kind === 'dedicated') {
    const { deleteDedicatedDatabase } = await import('../aws/rds.ts');
    return (await deleteDedicatedDatabase(dataServicesScope(ctx.config), app, { onProgress: (m) => ctx.progress('database', m) })).snapshotId;
  }
  const { appDatabaseNames, dropAppDatabase } = await import('../aws/postgres-provision.ts');
  const names = appDatabaseNames(app);
  ctx.progress('database', `dropping database ${names.database} and role ${names.role} on the shared instance`);
  await dropAppDatabase({ adminUrl: await adminUrlFor(ctx, 'shared', app), app });
  return null;
}

/** The AUTH token of a REDIS_URL; '' without one (or without a token in it). */
export function redisToken(url: string | undefined): string {
  if (url === undefined) return '';
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/**
 * Delete the app's cache (when it exists), and take its AUTH token off a Redis the agent
 * administers itself (caches.endpointOverride with an admin password: the local cluster).
 */
export async function deleteAppCache(ctx: OpContext, app: string, cache: { exists: boolean; token: string }): Promise<void> {
  if (cache.exists) {
    const { deleteCache } = await import('../aws/elasticache.ts');
    await deleteCache(dataServicesScope(ctx.config), app, { onProgress: (m) => ctx.progress('cache', m) });
  }
  const override = ctx.config.caches.endpointOverride;
  if (override?.adminPasswordFile !== undefined && cache.token !== '') {
    const { removeRedisPassword } = await import('../aws/redis-auth.ts');
    await removeRedisPassword(override, readPasswordFile(override.adminPasswordFile, 'Redis admin password file'), cache.token);
  }
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
