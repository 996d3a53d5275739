/** Fresh OpenSSH public keys for tests, made in-process (no ssh-keygen, no files). */
import { generateKeyPairSync } from 'node:crypto';

export interface TestSshKey {
  type: 'ssh-ed25519';
  base64: string;
  /** `ssh-ed25519 AAAA… comment`, as a directory or users file stores it. */
  line: string;
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

export function newSshKey(comment = 'test@futuswarm.test'): TestSshKey {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const base64 = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]).toString('base64');
  return { type: 'ssh-ed25519', base64, line: `ssh-ed25519 ${base64} ${comment}` };
}
