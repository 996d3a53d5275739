/**
 * Contexts: named clusters (the managers to SSH to + the cluster's domain), kept in
 * $XDG_CONFIG_HOME/futuswarm/contexts.yaml. FUTUSWARM_CONTEXT and --context choose one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { contextName, domainName } from '../core/names.ts';
import { CONTROL_CHARACTERS_RULE, noControlCharacters } from '../core/terminal-text.ts';

/** Swarm keeps a quorum with an odd number of managers; more than seven only slows it down. */
export const MAX_MANAGER_HOSTS = 7;

const managerHost = z
  .string()
  .min(1)
  .regex(/^(?!-)/, 'must not start with "-"')
  .regex(/^\S*$/, 'must be a host name or address, without spaces')
  .refine(noControlCharacters, CONTROL_CHARACTERS_RULE);

const filePath = z.string().refine(noControlCharacters, CONTROL_CHARACTERS_RULE);

export const managerHosts = z
  .array(managerHost)
  .min(1)
  .max(MAX_MANAGER_HOSTS)
  .superRefine((hosts, ctx) => {
    hosts.forEach((host, i) => {
      if (hosts.indexOf(host) < i) ctx.addIssue({ code: 'custom', path: [i], message: `${host} is listed twice` });
    });
  });

/**
 * A context names the cluster's managers, tried in order. Files written before there could be
 * several have a single `host`: it is read as `hosts: [host]`, and the next write stores `hosts`.
 */
export const contextSchema = z
  .strictObject({
    hosts: managerHosts.optional(),
    host: managerHost.optional(),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, 'must be an OS user name').default('futuswarm'),
    domain: domainName,
    identityFile: filePath.optional(),
    knownHostsFile: filePath.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.hosts !== undefined && c.host !== undefined) ctx.addIssue({ code: 'custom', path: ['host'], message: 'give hosts or host, not both' });
    if (c.hosts === undefined && c.host === undefined) ctx.addIssue({ code: 'custom', path: ['hosts'], message: 'is required' });
  })
  .transform(({ host, hosts, ...rest }) => ({ hosts: hosts ?? (host === undefined ? [] : [host]), ...rest }));
export type ClusterContext = z.output<typeof contextSchema>;

export const contextsFileSchema = z.strictObject({
  current: contextName.optional(),
  contexts: z.record(contextName, contextSchema).default({}),
});
export type ContextsFile = z.output<typeof contextsFileSchema>;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'futuswarm');
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'futuswarm');
}

export class ContextStore {
  readonly path: string;
  constructor(path: string = join(configDir(), 'contexts.yaml')) {
    this.path = path;
  }

  async read(): Promise<ContextsFile> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { contexts: {} };
      throw new FutuswarmError('config', `cannot read ${this.path}: ${(e as Error).message}`);
    }
    const { default: YAML } = await import('yaml');
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
