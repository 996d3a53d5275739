/**
 * The manager of each context that answered last, kept in the CLI's cache so that a dead first
 * manager costs one connect timeout, not one per command. Only a hint: a missing, unreadable or
 * odd file means "no memory", and a failed write is ignored.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function answeredHostPath(cacheDir: string, context: string): string {
  return join(cacheDir, 'answered-host', context);
}

export function readAnsweredHost(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const host = text.trim();
  return /^(?!-)[^\s\p{Cc}]{1,253}$/u.test(host) ? host : undefined;
}

export function rememberAnsweredHost(path: string, host: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${host}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // The next command tries the hosts in their listed order; nothing else depends on this.
  }
}
