/**
 * The cluster's state bucket as the agent config names it. The AWS SDK is loaded on first use:
 * commands that never touch state (authorized-keys on a cache hit, --version) stay fast.
 */
import type { AppState } from './app-state.ts';
import type { AgentConfig } from '../config/agent-config.ts';

export interface OpenStateOptions {
  /** The resident agent keeps data keys KMS decrypted that long (0: never). */
  dataKeyCacheSeconds?: number;
}

export async function openState(config: Pick<AgentConfig, 'cluster' | 'state'>, options: OpenStateOptions = {}): Promise<AppState> {
  return (await openStates(config, options)).fresh;
}

/**
 * The state for the resident agent: `fresh` for mutating ops and periodic work, and `cached` for
 * read-only ops, which may answer from reads up to `readCacheSeconds` old (src/state/cached-reads.ts).
 */
export async function openStates(
  config: Pick<AgentConfig, 'cluster' | 'state'>,
  options: OpenStateOptions & { readCacheSeconds?: number } = {},
): Promise<{ fresh: AppState; cached: AppState }> {
  const [{ AppState }, { s3ObjectStore }, { kmsKeyService }, { cachingKeyService }] = await Promise.all([
    import('./app-state.ts'),
    import('../aws/state-store.ts'),
    import('../aws/kms.ts'),
    import('../core/data-key-cache.ts'),
  ]);
  const region = config.state.region ? { region: config.state.region } : {};
  const kms = kmsKeyService(config.state.kmsKeyId, region);
  const keys = options.dataKeyCacheSeconds ? cachingKeyService(kms, { ttlMs: options.dataKeyCacheSeconds * 1000 }) : kms;
  const store = s3ObjectStore(config.state.bucket, region);
  if (!options.readCacheSeconds) {
    const state = new AppState({ store, keys, cluster: config.cluster });
    return { fresh: state, cached: state };
  }
  const [{ cachedReads }, { readCacheable }] = await Promise.all([import('../state/cached-reads.ts'), import('../state/keys.ts')]);
  const views = cachedReads(store, { ttlMs: options.readCacheSeconds * 1000, cacheable: readCacheable });
  return {
    fresh: new AppState({ store: views.fresh, keys, cluster: config.cluster }),
    cached: new AppState({ store: views.cached, keys, cluster: config.cluster }),
  };
}
