/**
 * The cluster's state bucket as the agent config names it. The AWS SDK is loaded on first use:
 * commands that never touch state (authorized-keys on a cache hit, --version) stay fast.
 */
import type { AppState } from './app-state.ts';
import type { AgentConfig } from '../config/agent-config.ts';

export async function openState(config: Pick<AgentConfig, 'cluster' | 'state'>): Promise<AppState> {
  const [{ AppState }, { s3ObjectStore }, { kmsKeyService }] = await Promise.all([
    import('./app-state.ts'),
    import('../aws/state-store.ts'),
    import('../aws/kms.ts'),
  ]);
  const region = config.state.region ? { region: config.state.region } : {};
  return new AppState({ store: s3ObjectStore(config.state.bucket, region), keys: kmsKeyService(config.state.kmsKeyId, region), cluster: config.cluster });
}
