/**
 * The local cluster's state bucket as its agent sees it (the agent's environment and config on
 * this machine), for tests that read what the agent stored or plant what old state could hold.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AppState } from '../../src/agent/app-state.ts';
import { kmsKeyService } from '../../src/aws/kms.ts';
import { s3ObjectStore } from '../../src/aws/state-store.ts';

function agentEnv(): Record<string, string> {
  return Object.fromEntries(
    readFileSync('/etc/futuswarm/agent.env', 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export function agentState(): { state: AppState; store: ReturnType<typeof s3ObjectStore> } {
  Object.assign(process.env, agentEnv());
  const config = parseYaml(readFileSync('/etc/futuswarm/agent.yaml', 'utf8')) as { cluster: string; state: { bucket: string; kmsKeyId: string } };
  const store = s3ObjectStore(config.state.bucket);
  return { state: new AppState({ store, keys: kmsKeyService(config.state.kmsKeyId), cluster: config.cluster }), store };
}
