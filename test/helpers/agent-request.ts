/** One raw request line to the local cluster's agent over SSH, past the CLI (and its checks). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LOCAL } from './cli.ts';

export interface AgentEvent {
  type: string;
  code?: string;
  message?: string;
  data?: unknown;
}

/** The events the agent answers to `line`, sent with the key in `identityFile` (default: the admin's). */
export function rawRequest(line: string, identityFile: string = join(LOCAL.dir, 'id_ed25519')): AgentEvent[] {
  const r = spawnSync(
    'ssh',
    ['-F', '/dev/null', '-T', '-i', identityFile, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', `UserKnownHostsFile=${join(LOCAL.dir, 'known_hosts')}`, '-o', 'LogLevel=ERROR',
      '-p', String(LOCAL.port), '-l', 'futuswarm', LOCAL.host, 'futuswarm-agent'],
    { input: `${line}\n`, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  assert.equal(r.error, undefined, String(r.error));
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AgentEvent);
}
