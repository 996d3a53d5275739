/**
 * A new SSH key pair from the system's ssh-keygen (OpenSSH formats, which is what ssh reads
 * with -i). The private key only ever lives in a private temporary directory, removed at once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FutuswarmError } from '../core/errors.ts';

export interface KeyPair {
  /** OpenSSH private key file contents. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicKey: string;
}

export async function generateEd25519KeyPair(comment: string): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'futuswarm-keygen-'));
  try {
    const file = join(dir, 'key');
    try {
      await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { timeout: 30_000 });
    } catch (e) {
      throw new FutuswarmError('unavailable', `ssh-keygen failed: ${(e as Error).message}`, { hint: 'install OpenSSH (apt-get install -y openssh-client)' });
    }
    const [privateKey, publicKey] = await Promise.all([readFile(file, 'utf8'), readFile(`${file}.pub`, 'utf8')]);
    return { privateKey, publicKey: publicKey.trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
