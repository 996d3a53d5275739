/**
 * Every command, with the one-line summary `futuswarm --help` shows. A command's module is
 * loaded only when that command runs, which keeps start-up fast.
 */
import type { CommandModule } from './command.ts';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'app:create', summary: 'create an app before its first deploy, to attach a database, cache and secrets first', load: () => import('./commands/app-create.ts') },
  { name: 'app:deploy', summary: 'deploy an image as an app (creates it, or rolls it to a new release)', load: () => import('./commands/app-deploy.ts') },
  { name: 'app:push', summary: 'push a local image into an app\'s repository of the cluster registry; deploys nothing', load: () => import('./commands/app-push.ts') },
  { name: 'app:images', summary: 'list what was pushed for an app (digest, tags, size, who, when, releases), or prune it', load: () => import('./commands/app-images.ts') },
  { name: 'app:list', summary: 'list the apps on the cluster', load: () => import('./commands/app-list.ts') },
  { name: 'app:inspect', summary: 'show an app: image, replicas, tasks, domain, labels', load: () => import('./commands/app-inspect.ts') },
  { name: 'app:remove', summary: 'remove an app', load: () => import('./commands/app-remove.ts') },
  { name: 'app:secrets', summary: 'set, unset, list and read an app\'s encrypted secrets', load: () => import('./commands/app-secrets.ts') },
  { name: 'app:domains', summary: 'list, add or remove the extra host names an app answers to', load: () => import('./commands/app-domains.ts') },
  { name: 'app:links', summary: 'show which apps an app reaches by name, and which reach it', load: () => import('./commands/app-links.ts') },
  { name: 'app:link', summary: 'let an app reach other apps (an --internal API, say) by name', load: () => import('./commands/app-links.ts').then((m) => m.link) },
  { name: 'app:unlink', summary: 'stop an app reaching other apps by name', load: () => import('./commands/app-links.ts').then((m) => m.unlink) },
  { name: 'app:releases', summary: 'list an app\'s releases: image, secrets version, who, when', load: () => import('./commands/app-releases.ts') },
  { name: 'app:rollback', summary: 'run an earlier release again: its image, secrets and settings', load: () => import('./commands/app-rollback.ts') },
  { name: 'app:scale', summary: 'set how many tasks of an app run', load: () => import('./commands/app-scale.ts') },
  { name: 'app:restart', summary: 'replace an app\'s tasks with fresh ones, one at a time, health-gated', load: () => import('./commands/app-restart.ts') },
  { name: 'app:logs', summary: 'print (or follow) what an app\'s tasks write', load: () => import('./commands/app-logs.ts') },
  { name: 'app:run', summary: 'run a one-off command with an app\'s image and secrets', load: () => import('./commands/app-run.ts') },
  { name: 'app:open', summary: 'print the URL an app answers at', load: () => import('./commands/app-open.ts') },
  { name: 'app:exec', summary: 'run a command (or a shell) inside a running task of an app', load: () => import('./commands/app-exec.ts') },
  { name: 'app:lock', summary: 'lock an app against changes for a maintenance window, or show its lock', load: () => import('./commands/app-lock.ts') },
  { name: 'app:unlock', summary: 'release an app\'s lock', load: () => import('./commands/app-unlock.ts') },
  { name: 'app:owners', summary: 'list an app\'s owners, or add and remove them', load: () => import('./commands/app-owners.ts') },
  { name: 'db:create', summary: 'give an app a PostgreSQL database; DATABASE_URL goes into its secrets', load: () => import('./commands/db-create.ts') },
  { name: 'db:info', summary: 'show an app\'s database: instance, host, database, user (never the password)', load: () => import('./commands/db-info.ts') },
  { name: 'db:destroy', summary: 'delete an app\'s database (a dedicated one after a final snapshot)', load: () => import('./commands/db-destroy.ts') },
  { name: 'cache:create', summary: 'give an app a Redis (ElastiCache, TLS, AUTH token); REDIS_URL goes into its secrets', load: () => import('./commands/cache-create.ts') },
  { name: 'cache:info', summary: 'show an app\'s cache: its state and address (never the token)', load: () => import('./commands/cache-info.ts') },
  { name: 'cache:destroy', summary: 'delete an app\'s cache', load: () => import('./commands/cache-destroy.ts') },
  { name: 'whoami', summary: 'who the cluster thinks you are: your groups, admin or not', load: () => import('./commands/whoami.ts') },
  { name: 'doctor', summary: 'check this machine, the context, SSH to each manager, the agent, your identity, the proxy and the state bucket', load: () => import('./commands/doctor.ts') },
  { name: 'completion', summary: 'print a shell completion script (bash, zsh, fish)', load: () => import('./commands/completion.ts') },
  { name: 'context', summary: 'manage the clusters this CLI talks to (add, use, list, remove)', load: () => import('./commands/context.ts') },
  { name: 'admin', summary: 'run the cluster itself: AWS (cluster:init, cluster:bootstrap, cluster:status, cluster:ldap-password, cluster:destroy), the nodes (node:list, node:drain, node:activate, node:label, node:remove), the proxy (proxy:deploy, proxy:status), the image registries (registry:deploy, registry:add, registry:list, registry:remove), the audit trail (audit)', load: () => import('./commands/admin.ts') },
];

/** A familiar short name for a command path: `ps` is `app:inspect`, `config` is `app:secrets list`. */
export interface CommandAlias {
  name: string;
  /** The words it stands for, in place of the alias. */
  to: readonly [string, ...string[]];
}

export const ALIASES: readonly CommandAlias[] = [
  { name: 'apps', to: ['app:list'] },
  { name: 'deploy', to: ['app:deploy'] },
  { name: 'logs', to: ['app:logs'] },
  { name: 'ps', to: ['app:inspect'] },
  { name: 'open', to: ['app:open'] },
  { name: 'run', to: ['app:run'] },
  { name: 'config', to: ['app:secrets', 'list'] },
];

/** What an alias means, as a help line says it: `alias of app:secrets list`. */
export const aliasSummary = (alias: CommandAlias): string => `alias of ${alias.to.join(' ')}`;

/** Every word that names a command at the top, for did-you-mean. */
export const COMMAND_WORDS: readonly string[] = [...COMMANDS.map((c) => c.name), ...ALIASES.map((a) => a.name)];

/** argv with an alias (where the command name stands) replaced by the words it stands for. */
export function expandAlias(argv: readonly string[], at: number): string[] {
  const alias = ALIASES.find((a) => a.name === argv[at]);
  return alias ? [...argv.slice(0, at), ...alias.to, ...argv.slice(at + 1)] : [...argv];
}
