/**
 * cache.*: an app's Redis, an ElastiCache replication group with TLS in transit and an AUTH
 * token. Before REDIS_URL goes into the app's secrets (and the app restarts with it), the
 * agent logs in with the token, so a URL that does not work never reaches the app. The URL
 * and the token are never part of a result or a progress line.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { cacheGroupId } from '../../core/plan-names.ts';
import type { RedisEndpoint } from '../../aws/redis-auth.ts';
import type { OpContext } from '../op.ts';
import { connectionInfo, dataServicesScope, deleteAppCache, readPasswordFile, REDIS_URL, redisToken, requireApp } from '../data-services.ts';
import { defineOp } from '../op.ts';
import { restartWithSecrets } from '../secrets-restart.ts';

const PORT = 6379;

/** Where the agent (and the app) reach the cache: the override, or what ElastiCache reports. */
function reachAt(ctx: OpContext, reported: { host: string; port: number } | null): RedisEndpoint | undefined {
  const override = ctx.config.caches.endpointOverride;
  if (override) return { host: override.host, port: override.port, tls: override.tls };
  return reported === null ? undefined : { host: reported.host, port: reported.port, tls: true };
}

function redisUrl(endpoint: RedisEndpoint, token: string): string {
  return `${endpoint.tls ? 'rediss' : 'redis'}://:${token}@${endpoint.host}:${endpoint.port}`;
}

/** A new group's endpoint can take a moment to answer: retry what looks like a network failure. */
async function checkAuth(endpoint: RedisEndpoint, token: string): Promise<void> {
  const { checkRedisAuth } = await import('../../aws/redis-auth.ts');
  for (let attempt = 1; ; attempt++) {
    try {
      return await checkRedisAuth(endpoint, token);
    } catch (e) {
      if (!(e instanceof FutuswarmError) || e.code !== 'unavailable' || attempt >= 6) throw e;
      await new Promise((resolve) => setTimeout(resolve, 2000 * attempt));
    }
  }
}

export const cacheCreate = defineOp({
  op: 'cache.create',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    await requireApp(ctx, args.app);
    const state = await ctx.state();
    const current = (await state.secrets.read(args.app)).values[REDIS_URL];
    const scope = dataServicesScope(ctx.config);
    const id = cacheGroupId(scope.name, args.app);
    const { createCache, describeCache } = await import('../../aws/elasticache.ts');
    // A REDIS_URL without a cache of ours behind it was set by hand: never overwrite it silently.
    if (current !== undefined) {
      if ((await describeCache(scope, args.app)) === undefined) {
        throw new FutuswarmError('conflict', `${args.app} already has a ${REDIS_URL} that futuswarm did not make`, {
          hint: `remove it first if the app should use a new cache: futuswarm app:secrets unset -n ${args.app} ${REDIS_URL} --confirm ${args.app}`,
        });
      }
      // Its REDIS_URL is stored last: with it in place, the cache was made whole before.
      const at = connectionInfo(current, 6379);
      throw new FutuswarmError('conflict', `${args.app} already has a cache${at ? ` on ${at.host}:${at.port}` : ''}`, {
        hint: `futuswarm cache:info -n ${args.app} shows it; to start over: futuswarm cache:destroy -n ${args.app} --confirm ${args.app}`,
      });
    }
    const cache = await createCache(scope, { app: args.app, ...(args.nodeType ? { nodeType: args.nodeType } : {}) }, {
      onProgress: (m) => ctx.progress('cache', m),
    });
    const token = cache.redisUrl === null ? '' : decodeURIComponent(new URL(cache.redisUrl).password);
    const endpoint = reachAt(ctx, cache.endpoint);
    if (endpoint === undefined || token === '') {
      throw new FutuswarmError('unavailable', `cache ${id} has no endpoint yet`, { hint: `run the same command again in a few minutes: futuswarm cache:create -n ${args.app}` });
    }
    const adminPasswordFile = ctx.config.caches.endpointOverride?.adminPasswordFile;
    if (adminPasswordFile !== undefined) {
      const { addRedisPassword } = await import('../../aws/redis-auth.ts');
      await addRedisPassword(endpoint, readPasswordFile(adminPasswordFile, 'Redis admin password file'), token);
    }
    ctx.progress('cache', `logging in to ${endpoint.host}:${endpoint.port} with the AUTH token`);
    await checkAuth(endpoint, token);
    const url = redisUrl(endpoint, token);
    const update = await state.secrets.update(args.app, ctx.user, () => ({ set: { [REDIS_URL]: url } }), {
      note: 'cache:create',
      rerun: `futuswarm cache:create -n ${args.app}`,
    });
    const restart = await restartWithSecrets(ctx, args.app, update, args.restart);
    return {
      app: args.app,
      engine: 'redis',
      cache: id,
      status: cache.status,
      host: endpoint.host,
      port: endpoint.port,
      tls: endpoint.tls,
      secret: REDIS_URL,
      secretsVersion: restart.version,
      restarted: restart.restarted,
      ...(restart.release !== undefined ? { release: restart.release } : {}),
    };
  },
});

export const cacheInfo = defineOp({
  op: 'cache.info',
  access: 'app',
  mutating: false,
  async handle(ctx, args) {
    const scope = dataServicesScope(ctx.config);
    const { describeCache } = await import('../../aws/elasticache.ts');
    const [cache, secrets] = await Promise.all([describeCache(scope, args.app), (await ctx.state()).secrets.read(args.app)]);
    const url = secrets.values[REDIS_URL];
    if (cache === undefined && url === undefined) {
      throw new FutuswarmError('not_found', `${args.app} has no cache`, { hint: `create one: futuswarm cache:create -n ${args.app}` });
    }
    const shown = url === undefined ? undefined : connectionInfo(url, PORT);
    return {
      app: args.app,
      engine: 'redis',
      cache: cache?.replicationGroupId ?? cacheGroupId(scope.name, args.app),
      status: cache?.status ?? 'absent',
      endpoint: cache?.endpoint ?? null,
      transitEncryption: cache?.transitEncryption ?? null,
      authToken: cache?.authToken ?? null,
      host: shown?.host ?? null,
      port: shown?.port ?? null,
      tls: shown === undefined ? null : shown.scheme === 'rediss',
      secret: url === undefined ? null : REDIS_URL,
    };
  },
});

export const cacheDestroy = defineOp({
  op: 'cache.destroy',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    const state = await ctx.state();
    const scope = dataServicesScope(ctx.config);
    const url = (await state.secrets.read(args.app)).values[REDIS_URL];
    const { describeCache } = await import('../../aws/elasticache.ts');
    const id = cacheGroupId(scope.name, args.app);
    const exists = (await describeCache(scope, args.app)) !== undefined;
    if (!exists && url === undefined) {
      throw new FutuswarmError('not_found', `${args.app} has no cache`, { hint: `futuswarm cache:info -n ${args.app} shows what it has; futuswarm cache:create -n ${args.app} makes one` });
    }
    await deleteAppCache(ctx, args.app, { exists, token: redisToken(url) });
    let restart: Awaited<ReturnType<typeof restartWithSecrets>> | undefined;
    if (url !== undefined) {
      const update = await state.secrets.update(args.app, ctx.user, () => ({ unset: [REDIS_URL] }), {
        note: 'cache:destroy',
        rerun: `futuswarm app:secrets unset -n ${args.app} ${REDIS_URL} --confirm ${args.app}`,
      });
      restart = await restartWithSecrets(ctx, args.app, update, args.restart);
    }
    return {
      app: args.app,
      cache: id,
      deleted: exists,
      secretRemoved: url !== undefined,
      restarted: restart?.restarted ?? false,
      ...(restart?.release !== undefined ? { release: restart.release } : {}),
    };
  },
});
