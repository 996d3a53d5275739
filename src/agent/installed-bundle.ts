/**
 * Which agent bundle this node runs: the install script (templates/install-agent.sh) records the
 * content hash of the bundle it installed next to it. An agent installed another way (the local
 * cluster's scripts/local-install.ts records one too) without the file reports none.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AGENT_PREFIX } from '../core/agent-bundle.ts';

export const BUNDLE_HASH_FILE = 'bundle-hash';

/** Where this agent is installed: lib/agent.js runs from <prefix>/lib. */
export function agentPrefix(): string {
  const entry = process.argv[1];
  return entry === undefined ? AGENT_PREFIX : resolve(dirname(entry), '..');
}

/** The content hash of the bundle installed in `prefix`, or null. */
export function installedBundle(prefix = agentPrefix()): string | null {
  try {
    const text = readFileSync(join(prefix, BUNDLE_HASH_FILE), 'utf8').trim();
    return /^sha256:[0-9a-f]{64}$/.test(text) ? text : null;
  } catch {
    return null;
  }
}
