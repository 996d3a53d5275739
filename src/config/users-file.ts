/** The static users file: key → person, for clusters without LDAP. */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { userName } from '../core/names.ts';

export const sshPublicKey = z
  .string()
  .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/, 'must be an OpenSSH public key line');

export const usersFileSchema = z.strictObject({
  users: z.record(userName, z.strictObject({ keys: z.array(sshPublicKey).default([]), groups: z.array(z.string()).default([]) })),
});
export type UsersFile = z.output<typeof usersFileSchema>;

export async function loadUsersFile(path: string): Promise<UsersFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { users: {} };
    throw new FutuswarmError('config', `cannot read the users file ${path}: ${(e as Error).message}`);
  }
  const { default: YAML } = await import('yaml');
  return parseUsersFile(YAML.parse(text) ?? { users: {} }, `users file ${path}`);
}

/** A users file's content, validated; refused when it holds a reserved key. */
export function parseUsersFile(data: unknown, what = 'users file'): UsersFile {
  refuseReservedKeys(data, what, { code: 'config' });
  return parseWith(usersFileSchema, data, what, { code: 'config' });
}

/** The person whose key is `type base64`, comparing type and key material (not comments). */
export function findUserByKey(file: UsersFile, keyType: string, keyBase64: string): { user: string; groups: string[] } | undefined {
  for (const [user, entry] of Object.entries(file.users)) {
    for (const line of entry.keys) {
      const [type, material] = line.split(' ');
      if (type === keyType && material === keyBase64) return { user, groups: entry.groups };
    }
  }
  return undefined;
}
