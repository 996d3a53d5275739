/**
 * What contexts.yaml may hold (src/cli/contexts.ts reads and writes it). Kept apart from the
 * store, so that a command reading a file already checked does not load zod.
 */
import * as z from 'zod';
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
