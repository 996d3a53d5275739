/**
 * `futuswarm-agent node:register`: a node publishes its SSH host keys in the state bucket under
 * its address, so managers can check whom they talk to when they open the node channel
 * (app:exec on another node) instead of trusting a key on first use. Run at boot by
 * cloud-init, and by scripts/local-node.sh for the local test node.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { FutuswarmError } from '../core/errors.ts';
import { parseSshPublicKey } from '../core/ssh-public-key.ts';
import type { NodeRecord } from '../state/nodes.ts';

export interface NodeRegisterArgs {
  addr: string;
  hostname: string;
  hostKeyFiles: string[];
}

const DEFAULT_HOST_KEYS = ['/etc/ssh/ssh_host_ed25519_key.pub', '/etc/ssh/ssh_host_ecdsa_key.pub', '/etc/ssh/ssh_host_rsa_key.pub'];

/** `--addr A [--hostname H] [--host-key F]...`, or undefined when it is not that. */
export function parseNodeRegisterArgs(argv: readonly string[]): NodeRegisterArgs | undefined {
  let addr: string | undefined;
  let name: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) return undefined;
    if (flag === '--addr') addr = value;
    else if (flag === '--hostname') name = value;
    else if (flag === '--host-key') files.push(value);
    else return undefined;
  }
  if (addr === undefined) return undefined;
  return { addr, hostname: name ?? hostname(), hostKeyFiles: files };
}

export async function registerThisNode(args: NodeRegisterArgs): Promise<NodeRecord> {
  const explicit = args.hostKeyFiles.length > 0;
  const hostKeys: string[] = [];
  for (const file of explicit ? args.hostKeyFiles : DEFAULT_HOST_KEYS) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if (explicit) throw new FutuswarmError('config', `cannot read the host key ${file}: ${(e as Error).message}`);
      continue;
    }
    const key = parseSshPublicKey(text.trim());
    if (!key) throw new FutuswarmError('config', `${file} is not an SSH public key`);
    hostKeys.push(`${key.type} ${key.base64}`);
  }
  if (hostKeys.length === 0) throw new FutuswarmError('config', `no SSH host key found (looked for ${DEFAULT_HOST_KEYS.join(', ')})`, { hint: 'name one with --host-key' });
  const { loadAgentConfig } = await import('../config/agent-config.ts');
  const { openState } = await import('./open-state.ts');
  const state = await openState(await loadAgentConfig());
  return state.nodes.register({ addr: args.addr, hostname: args.hostname, hostKeys });
}
