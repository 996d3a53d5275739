/**
 * The cluster's state bucket as the agent config names it. The AWS SDK is loaded on first use:
 * commands that never touch state (authorized-keys on a cache hit, --version) stay fast.
 */
import type { AppState } from './app-state.ts';
import type { AgentConfig } from '../config/agent-config.ts';

/** `dataKeyCacheSeconds`: the resident agent keeps data keys KMS decrypted that long (0: never). */
export async function openState(config: Pick<AgentConfig, 'cluster' | 'state'>, options: { dataKeyCacheSeconds?: number } = {}): Promise<AppState> {
  const [{ AppState }, { s3ObjectStore }, { kmsKeyService }, { cachingKeyService }] = await Promise.all([
    import('./app-state.ts'),
    import('../aws/state-store.ts'),
    import('../aws/kms.ts'),
    import('../core/data-key-cache.ts'),
  ]);
  const region = config.state.region ? { region: config.state.region } : {};
  const kms = kmsKeyService(config.state.kmsKeyId, region);
  const keys = options.dataKeyCacheSeconds ? cachingKeyService(kms, { ttlMs: options.dataKeyCacheSeconds * 1000 }) : kms;
  return new AppState({ store: s3ObjectStore(config.state.bucket, region), keys, cluster: config.cluster });
}
