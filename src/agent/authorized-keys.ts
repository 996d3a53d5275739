/**
 * `futuswarm-agent authorized-keys %u %t %k`, run by sshd for every offered key.
 * Prints one forced-command line for a known key, or nothing (sshd then refuses the key).
 */
import { z } from 'zod';
import type { AgentConfig } from './config.ts';
import { findUserByKey, loadUsersFile } from './users-file.ts';
import { userName } from '../core/names.ts';

const keyType = z.string().regex(/^[a-z0-9@.-]{1,64}$/);
const keyMaterial = z.string().regex(/^[A-Za-z0-9+/]{16,16384}={0,3}$/);

/** The one line sshd reads. Every part is validated: nothing can break out of the quotes. */
export function renderAuthorizedKeyLine(agentCommand: string, user: string, type: string, key: string): string {
  const u = userName.parse(user);
  if (!/^\/[\w./-]+$/.test(agentCommand)) throw new Error('agentCommand must be an absolute path');
  return `restrict,command="${agentCommand} serve --user ${u}" ${keyType.parse(type)} ${keyMaterial.parse(key)}`;
}

export async function authorizedKeys(config: AgentConfig, osUser: string, type: string, key: string): Promise<string | undefined> {
  if (!keyType.safeParse(type).success || !keyMaterial.safeParse(key).success) return undefined;
  const owner = findUserByKey(await loadUsersFile(config.usersFile), type, key);
  if (!owner) return undefined;
  void osUser;
  return renderAuthorizedKeyLine(config.agentCommand, owner.user, type, key);
}
