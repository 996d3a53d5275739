/**
 * A parsed copy of contexts.yaml in the cache directory, as JSON: what the YAML became after
 * validation, keyed by the YAML file's identity (device, inode, size, modification time). A
 * command reads it instead of parsing YAML and validating again; any change to the file, even
 * one that keeps its size, changes the key. A copy that cannot be read or does not have the
 * validated shape counts as absent.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { ClusterContext, ContextsFile } from './context-schema.ts';

const FORMAT = 1;

export interface FileKey {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export function fileKey(path: string, stats: Stats): FileKey {
  return { path, dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

function sameKey(a: unknown, b: FileKey): boolean {
  if (typeof a !== 'object' || a === null) return false;
  const k = a as Record<string, unknown>;
  return k.path === b.path && k.dev === b.dev && k.ino === b.ino && k.size === b.size && k.mtimeMs === b.mtimeMs;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const CONTEXT_KEYS = new Set(['hosts', 'port', 'user', 'domain', 'identityFile', 'knownHostsFile']);

/** The shape contextsFileSchema gives; the values themselves were checked before they were stored. */
function isValidatedContext(v: unknown): v is ClusterContext {
  if (!isObject(v) || !Object.keys(v).every((k) => CONTEXT_KEYS.has(k))) return false;
  return (
    Array.isArray(v.hosts) &&
    v.hosts.length > 0 &&
    v.hosts.every((h) => typeof h === 'string') &&
    typeof v.port === 'number' &&
    typeof v.user === 'string' &&
    typeof v.domain === 'string' &&
    optionalString(v.identityFile) &&
    optionalString(v.knownHostsFile)
  );
}

function isValidatedFile(v: unknown): v is ContextsFile {
  if (!isObject(v) || !Object.keys(v).every((k) => k === 'current' || k === 'contexts')) return false;
  return optionalString(v.current) && isObject(v.contexts) && Object.values(v.contexts).every(isValidatedContext);
}

/** The stored copy for this key, or undefined (none, another key, unreadable or malformed). */
export function readCachedContexts(cachePath: string, key: FileKey): ContextsFile | undefined {
  try {
    const stored: unknown = JSON.parse(readFileSync(cachePath, 'utf8'));
    if (!isObject(stored) || stored.format !== FORMAT || !sameKey(stored.key, key) || !isValidatedFile(stored.file)) return undefined;
    return stored.file;
  } catch {
    return undefined;
  }
}

/** Store the validated file under its key; a cache that cannot be written is only slower. */
export function writeCachedContexts(cachePath: string, key: FileKey, file: ContextsFile): void {
  const tmp = `${cachePath}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(cachePath), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify({ format: FORMAT, key, file }), { mode: 0o600 });
    renameSync(tmp, cachePath);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory itself is out of reach: nothing was left behind
    }
  }
}
