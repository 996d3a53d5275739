/**
 * On-disk cache of "this key belongs to this person" answers, so an LDAP outage does not lock
 * everybody out (stale-if-error) while a key removed from LDAP stops working after the TTL.
 *
 * - Fresh (younger than ttlSeconds): served without asking LDAP.
 * - Older: LDAP is asked. Found → the entry is rewritten. Not found → the entry is deleted.
 * - LDAP unavailable: the entry is served while younger than maxStaleSeconds, with a line on
 *   stderr (sshd logs AuthorizedKeysCommand's stderr); older entries are refused.
 * - Only positive answers are stored. "Not in LDAP" is never cached: a cached refusal would
 *   delay a newly added key by the TTL, and nothing stored may ever read as "allowed" for a
 *   key the directory does not list. Unknown keys therefore always cost one LDAP lookup.
 *
 * The directory and its files are written only by the user running the lookup (sshd's
 * AuthorizedKeysCommandUser): whoever can write here can log in as anyone, so a directory or
 * file that someone else owns or may write is not trusted and the cache is bypassed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { isFutuswarmError } from '../core/errors.ts';
import { userName } from '../core/names.ts';
import { sshKeyFingerprint } from '../core/ssh-public-key.ts';
import type { KeyCacheConfig } from '../config/ldap-config.ts';

export interface KeyOwner {
  uid: string;
  groups: string[];
}

export interface KeyCacheOptions {
  /** Milliseconds since the epoch; tests move time instead of sleeping. */
  now?: () => number;
  /** One line for the operator (no newline); default: stderr. */
  log?: (line: string) => void;
}

interface Key {
  type: string;
  base64: string;
}

const entrySchema = z.strictObject({
  uid: userName,
  groups: z.array(z.string().max(256)).max(1000),
  fetchedAt: z.iso.datetime(),
});
type CacheEntry = z.output<typeof entrySchema>;

/** Entries claiming to come from further in the future than this are not trusted. */
const CLOCK_SKEW_MS = 5 * 60_000;
const MAX_ENTRY_BYTES = 64 * 1024;

export function defaultLog(line: string): void {
  process.stderr.write(`futuswarm-agent: ${line}\n`);
}

/** sha256 of `type base64`, hex: the entry's file name without `.json`. */
export function cacheKeyName(keyType: string, keyBase64: string): string {
  return createHash('sha256').update(`${keyType} ${keyBase64}`).digest('hex');
}

export function cacheFilePath(config: KeyCacheConfig, keyType: string, keyBase64: string): string {
  return join(config.dir, `${cacheKeyName(keyType, keyBase64)}.json`);
}

/**
 * The key's owner: from the cache while fresh, else from `fetch` (LDAP), else, when `fetch`
 * fails with code 'unavailable', from a stale entry within maxStaleSeconds. Errors of `fetch`
 * that are not served from the cache are rethrown.
 */
export async function lookupThroughCache(
  config: KeyCacheConfig,
  key: Key,
  fetch: () => Promise<KeyOwner | undefined>,
  options: KeyCacheOptions = {},
): Promise<KeyOwner | undefined> {
  const now = options.now ?? Date.now;
  const log = options.log ?? defaultLog;
  const usable = await ensureCacheDir(config.dir, log);
  const file = cacheFilePath(config, key.type, key.base64);
  const entry = usable ? await readEntry(file, now(), log) : undefined;
  const age = entry ? Math.max(0, now() - Date.parse(entry.fetchedAt)) : Infinity;
  if (entry && age < config.ttlSeconds * 1000) return { uid: entry.uid, groups: entry.groups };

  let owner: KeyOwner | undefined;
  try {
    owner = await fetch();
  } catch (e) {
    if (!isFutuswarmError(e) || e.code !== 'unavailable' || !entry) throw e;
    const who = `${entry.uid} (${key.type} ${sshKeyFingerprint(key)})`;
    if (age <= config.maxStaleSeconds * 1000) {
      log(`${e.message}; serving the cached answer for ${who} from ${formatAge(age)} ago`);
      return { uid: entry.uid, groups: entry.groups };
    }
    log(`${e.message}; the cached answer for ${who} is ${formatAge(age)} old, beyond keyCache.maxStaleSeconds (${config.maxStaleSeconds}): refused`);
    throw e;
  }
  if (usable) {
    if (owner) await writeEntry(config.dir, file, { ...owner, fetchedAt: new Date(now()).toISOString() }, log);
    else if (entry) await removeEntry(file, log);
  }
  return owner;
}

/** Create the directory (0700) or check that it is ours and closed to others. */
async function ensureCacheDir(dir: string, log: (line: string) => void): Promise<boolean> {
  const bypass = (why: string) => {
    log(`key cache ${dir} ${why}; answers are not cached (LDAP outages will lock users out)`);
    return false;
  };
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const st = await lstat(dir);
    if (!st.isDirectory()) return bypass('is not a directory');
    const me = process.geteuid?.();
    if (me !== undefined && st.uid !== me) return bypass(`is owned by uid ${st.uid}, not by this user (uid ${me}): chown it`);
    if ((st.mode & 0o022) !== 0) return bypass(`is writable by group or others (mode ${octal(st.mode)}): chmod 700 it after checking its files`);
    if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
    return true;
  } catch (e) {
    return bypass(`cannot be used (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

async function readEntry(file: string, now: number, log: (line: string) => void): Promise<CacheEntry | undefined> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`key cache entry ${file} cannot be read (${(e as NodeJS.ErrnoException).code}); ignored`);
    return undefined;
  }
  try {
    const st = await handle.stat();
    const me = process.geteuid?.();
    if (!st.isFile() || (me !== undefined && st.uid !== me) || (st.mode & 0o022) !== 0 || st.size > MAX_ENTRY_BYTES) {
      log(`key cache entry ${file} is not a private file of this user; ignored`);
      return undefined;
    }
    const parsed = entrySchema.safeParse(JSON.parse(await handle.readFile('utf8')));
    if (!parsed.success) throw new Error('unexpected content');
    if (Date.parse(parsed.data.fetchedAt) > now + CLOCK_SKEW_MS) throw new Error('fetchedAt is in the future');
    return parsed.data;
  } catch (e) {
    log(`key cache entry ${file} is corrupt (${(e as Error).message}); removed`);
    await removeEntry(file, log);
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Write to a private temporary file, then rename: readers never see half an entry. */
async function writeEntry(dir: string, file: string, entry: CacheEntry, log: (line: string) => void): Promise<void> {
  const tmp = join(dir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(entry)}\n`);
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (e) {
    log(`key cache entry ${file} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    await unlink(tmp).catch(() => undefined);
  }
}

async function removeEntry(file: string, log: (line: string) => void): Promise<void> {
  try {
    await unlink(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`key cache entry ${file} cannot be removed (${(e as NodeJS.ErrnoException).code})`);
  }
}

function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0');
}
