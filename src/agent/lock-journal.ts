/**
 * The app locks a resident agent holds, noted on the manager's disk (one file each, in the
 * daemon's runtime directory, which only the SSH account reads): when a daemon dies while it
 * holds one (killed, out of memory), the daemon the supervisor starts next releases it at once
 * instead of leaving the app locked until the lock's TTL runs out. A daemon that is only
 * handing over is alive, so its locks are not touched.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { appName } from '../core/names.ts';
import type { AppState } from './app-state.ts';
import type { HeldLock } from './serve.ts';

const entrySchema = z.strictObject({ app: appName, token: z.string().regex(/^[\w-]{16,64}$/), pid: z.number().int().positive() });

export class LockJournal {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Notes a lock this process holds; the returned function forgets it once released. */
  note(lock: HeldLock): () => void {
    const entry = { app: lock.app, token: lock.token, pid: process.pid };
    const file = join(this.#dir, `${lock.app}.${lock.token}.json`);
    try {
      writeFileSync(file, JSON.stringify(entry), { mode: 0o600 });
    } catch {
      // Without the note, a crash leaves the lock until it expires, as before.
    }
    return () => rmSync(file, { force: true });
  }

  /** Releases the locks of daemons that are gone; returns the apps freed. */
  async releaseOrphans(state: AppState, log: (fields: Record<string, unknown>) => void): Promise<string[]> {
    const freed: string[] = [];
    for (const name of readdirSync(this.#dir)) {
      const file = join(this.#dir, name);
      let entry: z.output<typeof entrySchema>;
      try {
        entry = entrySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        rmSync(file, { force: true });
        continue;
      }
      if (isAlive(entry.pid)) continue;
      try {
        // Only that token's lock: if someone took the app's lock since, it stays theirs.
        if (await state.locks.release(entry.app, entry.token)) freed.push(entry.app);
        rmSync(file, { force: true });
      } catch (e) {
        log({ level: 'warn', event: 'orphan lock', app: entry.app, error: (e as Error).message });
      }
    }
    return freed;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
