/**
 * What an app keeps outside the state bucket and its service: its database and its cache.
 * `app:remove --purge` finds them before it changes anything, then removes them with the rest,
 * so a new app of the same name starts without the old one's data (db:create would otherwise
 * hand it a database of that name, tables and all).
 */
import { FutuswarmError, isFutuswarmError } from '../core/errors.ts';
import { appDbInstanceId, cacheGroupId } from '../core/plan-names.ts';
import { adminUrlFor, dataServicesScope, deleteAppCache, dropDatabase, existingDatabase, REDIS_URL, redisToken, type DatabaseKind } from './data-services.ts';
import type { OpContext } from './op.ts';

/** Its own instance (named by the instance), or its database and role on the shared instance. */
export interface AppDatabase {
  kind: DatabaseKind;
  name: string;
}

export interface AppData {
  /** Null: it has none. */
  database: AppDatabase | null;
  /** Its ElastiCache group (`exists`), and its AUTH token on a Redis the agent administers; null: none. */
  cache: { id: string; exists: boolean; token: string } | null;
}

/** What a purge finds, for its progress line. */
export function describeAppData(app: string, data: AppData): string {
  const parts = [
    ...(data.database?.kind === 'dedicated' ? [`its database instance ${data.database.name} (deleted after a final snapshot)`] : []),
    ...(data.database?.kind === 'shared' ? [`its database ${data.database.name} and role on the shared instance`] : []),
    ...(data.cache ? [`its cache ${data.cache.id}`] : []),
  ];
  return parts.length === 0 ? `${app} has no database and no cache` : `${app} has ${parts.join(' and ')}: they go with it`;
}

/**
 * The app's database and cache, found by looking (a database may be left without its
 * DATABASE_URL by a db:create that failed half-way). When they cannot be looked at, nothing is
 * changed: the error says so and names the commands that remove them one by one.
 */
export async function findAppData(ctx: OpContext, app: string): Promise<AppData> {
  let scope: ReturnType<typeof dataServicesScope>;
  try {
    scope = dataServicesScope(ctx.config);
  } catch (e) {
    // An agent that knows no AWS region never made a database or a cache either.
    if (isFutuswarmError(e) && e.code === 'config') return { database: null, cache: null };
    throw e;
  }
  try {
    const { describeCache } = await import('../aws/elasticache.ts');
    const [database, group, token] = await Promise.all([findDatabase(ctx, app), describeCache(scope, app), cacheToken(ctx, app)]);
    const exists = group !== undefined && group.status !== 'deleting';
    return { database, cache: exists || token !== '' ? { id: cacheGroupId(scope.name, app), exists, token } : null };
  } catch (e) {
    const why = isFutuswarmError(e) ? e : new FutuswarmError('internal', (e as Error).message, { cause: e });
    throw new FutuswarmError(why.code, `cannot tell whether ${app} has a database or a cache, so nothing was changed: ${why.message}`, {
      hint: `run it again once they answer; or remove them one by one first: futuswarm db:destroy -n ${app} --confirm ${app}, futuswarm cache:destroy -n ${app} --confirm ${app}`,
      cause: e,
    });
  }
}

async function findDatabase(ctx: OpContext, app: string): Promise<AppDatabase | null> {
  const { kind } = await existingDatabase(ctx.config, app);
  if (kind === 'dedicated') return { kind, name: appDbInstanceId(dataServicesScope(ctx.config).name, app) };
  if (!ctx.config.databases.shared) return null;
  const { appDatabaseExists, appDatabaseNames } = await import('../aws/postgres-provision.ts');
  return (await appDatabaseExists({ adminUrl: await adminUrlFor(ctx, 'shared', app), app })) ? { kind, name: appDatabaseNames(app).database } : null;
}

/** Only an agent that administers the cluster's Redis itself hands out tokens to take back. */
async function cacheToken(ctx: OpContext, app: string): Promise<string> {
  if (ctx.config.caches.endpointOverride?.adminPasswordFile === undefined) return '';
  return redisToken((await (await ctx.state()).secrets.read(app)).values[REDIS_URL]);
}

/** Remove what findAppData found: the database (a dedicated one leaves its final snapshot), then the cache. */
export async function removeAppData(ctx: OpContext, app: string, data: AppData): Promise<{ database: (AppDatabase & { snapshot: string | null }) | null; cache: string | null }> {
  const database = data.database === null ? null : { ...data.database, snapshot: await dropDatabase(ctx, app, data.database.kind) };
  if (data.cache) await deleteAppCache(ctx, app, data.cache);
  return { database, cache: data.cache?.id ?? null };
}
