/**
 * OpenSSH public keys as sshd hands them to AuthorizedKeysCommand (%t type, %k base64) and as
 * directories store them (`type base64 [comment]`). Two keys are the same key when type and
 * key material are equal; comments never matter.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';

/** Key types we accept. No certificates (those belong in TrustedUserCAKeys) and no ssh-dss. */
export const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];

/** A 16384-bit RSA key is about 2.8 kB of base64; anything much larger is not a key. */
export const MAX_BASE64_LENGTH = 8192;

export interface SshPublicKey {
  type: SshKeyType;
  /** The key blob, canonical base64. */
  base64: string;
  comment?: string;
}

export const sshKeyType = z.enum(SSH_KEY_TYPES, { error: 'must be a supported SSH key type' });

export const sshKeyBase64 = z
  .string()
  .max(MAX_BASE64_LENGTH, { message: `must be at most ${MAX_BASE64_LENGTH} characters`, abort: true })
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'must be base64', abort: true })
  .refine((s) => s.length % 4 === 0 && Buffer.from(s, 'base64').toString('base64') === s, 'must be canonical base64');

/** The type name inside the blob: every SSH public key blob starts with string(type). */
function blobType(base64: string): string | undefined {
  const blob = Buffer.from(base64, 'base64');
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/**
 * The key sshd offered, or undefined when it is not a well-formed key of a supported type.
 * The blob must name the same type as `type`, so a key cannot be presented under another name.
 */
export function checkSshPublicKey(type: string, base64: string): SshPublicKey | undefined {
  const t = sshKeyType.safeParse(type);
  const b = sshKeyBase64.safeParse(base64);
  if (!t.success || !b.success) return undefined;
  if (blobType(b.data) !== t.data) return undefined;
  return { type: t.data, base64: b.data };
}

/**
 * Parse a stored key `type base64 [comment]`. Lines with authorized_keys options in front
 * (`from="…" ssh-ed25519 …`) are rejected rather than stripped: dropping an option would
 * grant more than the directory says.
 */
export function parseSshPublicKey(text: string): SshPublicKey | undefined {
  const match = /^\s*(\S+)\s+(\S+)(?:\s+(.*?))?\s*$/s.exec(text);
  if (!match) return undefined;
  const key = checkSshPublicKey(match[1] ?? '', match[2] ?? '');
  if (!key) return undefined;
  const comment = match[3];
  return comment ? { ...key, comment } : key;
}

export function sameSshKey(a: Pick<SshPublicKey, 'type' | 'base64'>, b: Pick<SshPublicKey, 'type' | 'base64'>): boolean {
  return a.type === b.type && a.base64 === b.base64;
}

/** `SHA256:…` as `ssh-keygen -l` prints it: short, and what operators compare keys by in logs. */
export function sshKeyFingerprint(key: Pick<SshPublicKey, 'base64'>): string {
  const digest = createHash('sha256').update(Buffer.from(key.base64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/**
 * One address, CIDR or wildcard pattern of an authorized_keys `from="…"` option (`!` negates).
 * No quotes, commas or spaces: a pattern cannot close the option and smuggle in another.
 */
export const authorizedKeysFromPattern = z.string().regex(/^!?[0-9A-Fa-f.:/*?]+$/, 'must be an address, CIDR or pattern');
