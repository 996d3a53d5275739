/**
 * Contexts: named clusters (the managers to SSH to + the cluster's domain), kept in
 * $XDG_CONFIG_HOME/futuswarm/contexts.yaml. FUTUSWARM_CONTEXT and --context choose one.
 * The file is parsed and validated (src/cli/context-schema.ts) when it has changed; otherwise
 * its validated form comes from the cache directory (src/cli/contexts-cache.ts).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import type { ClusterContext, ContextsFile } from './context-schema.ts';
import { fileKey, readCachedContexts, writeCachedContexts } from './contexts-cache.ts';

export type { ClusterContext, ContextsFile };

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'futuswarm');
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'futuswarm');
}

export class ContextStore {
  readonly path: string;
  /** Where the validated copy of the file is kept; none for a store given its own file and no cache. */
  readonly cachePath: string | undefined;
  constructor(path?: string, cachePath?: string) {
    this.path = path ?? join(configDir(), 'contexts.yaml');
    this.cachePath = cachePath ?? (path === undefined ? join(cacheDir(), 'contexts.json') : undefined);
  }

  private cannotRead(e: unknown): FutuswarmError {
    return new FutuswarmError('config', `cannot read ${this.path}: ${(e as Error).message}`);
  }

  async read(): Promise<ContextsFile> {
    let stats: Stats;
    try {
      stats = statSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { contexts: {} };
      throw this.cannotRead(e);
    }
    const cached = this.cachePath === undefined ? undefined : readCachedContexts(this.cachePath, fileKey(this.path, stats));
    if (cached) return cached;

    // The key and the text come from one open file, so the copy stored matches the key it has.
    let text: string;
    try {
      const fd = openSync(this.path, 'r');
      try {
        stats = fstatSync(fd);
        text = readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { contexts: {} };
      throw this.cannotRead(e);
    }
    const file = await this.parse(text);
    if (this.cachePath !== undefined) writeCachedContexts(this.cachePath, fileKey(this.path, stats), file);
    return file;
  }

  private async parse(text: string): Promise<ContextsFile> {
    const [{ default: YAML }, { contextsFileSchema }, { refuseReservedKeys }] = await Promise.all([
      import('yaml'),
      import('./context-schema.ts'),
      import('../core/reserved-keys.ts'),
    ]);
    let data: unknown;
    try {
      data = YAML.parse(text) ?? {};
    } catch (e) {
      throw new FutuswarmError('config', `${this.path} is not valid YAML: ${(e as Error).message}`, { hint: 'fix or delete the file' });
    }
    const options = { code: 'config', hint: 'fix the file or re-add the context with futuswarm context add' } as const;
    refuseReservedKeys(data, this.path, options);
    return parseWith(contextsFileSchema, data, this.path, options);
  }

  async write(file: ContextsFile): Promise<void> {
    const { default: YAML } = await import('yaml');
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, YAML.stringify(file), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  /** The context to use: --context, then FUTUSWARM_CONTEXT, then the current one. */
  async resolve(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ name: string; context: ClusterContext }> {
    const file = await this.read();
    const name = explicit ?? env.FUTUSWARM_CONTEXT ?? file.current;
    if (name === undefined) {
      throw new FutuswarmError('config', 'no cluster chosen', {
        hint: Object.keys(file.contexts).length
          ? `choose one: futuswarm context use <name> (have: ${Object.keys(file.contexts).join(', ')})`
          : 'add one: futuswarm context add <name> --host <manager> --domain <domain> (or npm run demo for a local cluster)',
      });
    }
    const context = file.contexts[name];
    if (!context) {
      throw new FutuswarmError('config', `there is no context named ${name}`, { hint: 'futuswarm context list shows the contexts' });
    }
    return { name, context };
  }
}
