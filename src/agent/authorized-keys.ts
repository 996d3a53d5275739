/**
 * `futuswarm-agent authorized-keys %u %t %k`, run by sshd (as its AuthorizedKeysCommandUser)
 * for every key a client offers. Prints one forced-command line for a key that belongs to a
 * person, or nothing: sshd then refuses the key.
 *
 * Sources, in order: LDAP through the on-disk key cache, then the users file (key-lookup.ts).
 * It answers only for the shared account (`sshUser`); another account gets nothing, so a
 * stray AuthorizedKeysCommand elsewhere in sshd_config cannot turn into a login.
 */
import { appendFileSync } from 'node:fs';
import type { AgentConfig } from '../config/agent-config.ts';
import type { KeyCacheOptions } from './key-cache.ts';
import { parseSshPublicKey, sameSshKey, type SshKeyType } from '../core/ssh-public-key.ts';
import { lookupKeyOwner, renderAuthorizedKeyLine, renderNodeKeyLine } from './key-lookup.ts';

export async function authorizedKeys(
  config: AgentConfig,
  osUser: string,
  keyType: string,
  keyBase64: string,
  options: KeyCacheOptions = {},
): Promise<string | undefined> {
  if (osUser !== config.sshUser) return undefined;
  // The node key lets a manager in, for the one op node-serve answers; on a worker nothing else does.
  const nodeKey = config.nodeChannel ? parseSshPublicKey(config.nodeChannel.publicKey) : undefined;
  if (nodeKey && sameSshKey(nodeKey, { type: keyType as SshKeyType, base64: keyBase64 })) {
    return renderNodeKeyLine(config.agentCommand, config.nodeChannel?.from ?? [], nodeKey.type, nodeKey.base64);
  }
  if (config.role === 'worker') return undefined;
  const owner = await lookupKeyOwner(config, keyType, keyBase64, options);
  if (!owner) return undefined;
  return renderAuthorizedKeyLine(config.agentCommand, owner.user, keyType, keyBase64, config.daemon);
}

/**
 * Where authorized-keys reports: stderr (seen when an admin runs it by hand; not for the
 * resident agent, whose stderr is its own), and keyCache.logFile when set, because sshd throws
 * an AuthorizedKeysCommand's stderr away.
 */
export function authorizedKeysLog(config: Pick<AgentConfig, 'keyCache'> | undefined, options: { stderr?: boolean } = {}): (line: string) => void {
  const file = config?.keyCache.logFile;
  return (line) => {
    if (options.stderr !== false) process.stderr.write(`futuswarm-agent: ${line}\n`);
    if (file === undefined) return;
    try {
      appendFileSync(file, `${new Date().toISOString()} authorized-keys[${process.pid}]: ${line}\n`, { mode: 0o640 });
    } catch {
      // A full disk or a missing directory must not turn into a refused login.
    }
  };
}

/** The log line for a key refused because the lookup failed; what sshd passed may be anything. */
export function refusedKeyLine(osUser: string, keyType: string, message: string): string {
  const plain = (s: string) => s.replace(/[^\x21-\x7e]/g, '?').slice(0, 64);
  return `${plain(keyType)} key for ${plain(osUser)} refused: ${message.replace(/\n/g, '\n  ')}`;
}
