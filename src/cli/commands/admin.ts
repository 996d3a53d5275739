/**
 * `futuswarm admin <subcommand>`: running the cluster itself. Each subcommand is its own
 * module, registered here and loaded only when it runs.
 */
import type { Command } from '@commander-js/extra-typings';
import type { CommandModule } from '../command.ts';

interface SubcommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

export const ADMIN_COMMANDS: readonly SubcommandEntry[] = [
  { name: 'cluster:init', summary: 'write a commented cluster file to fill in', load: () => import('./admin/cluster-init.ts') },
  { name: 'cluster:bootstrap', summary: 'build the cluster on AWS from a cluster file: plan, then apply (--plan touches nothing)', load: () => import('./admin/cluster-bootstrap.ts') },
  { name: 'cluster:status', summary: 'every AWS resource of the cluster: id, state, drift from the file', load: () => import('./admin/cluster-status.ts') },
  { name: 'cluster:ldap-password', summary: 'store the password the agents bind to LDAP with, sealed in the state bucket (read from stdin)', load: () => import('./admin/cluster-ldap-password.ts') },
  { name: 'cluster:destroy', summary: 'remove what cluster:bootstrap made (keeps the state bucket unless --delete-data)', load: () => import('./admin/cluster-destroy.ts') },
  { name: 'node:list', summary: 'every node of the swarm: role, availability, state, address, engine, labels, running tasks', load: () => import('./admin/node-list.ts') },
  { name: 'node:drain', summary: 'move every task off a node and wait until they run elsewhere, healthy; refused if an app would have nowhere to go', load: () => import('./admin/node-drain.ts') },
  { name: 'node:activate', summary: 'let Swarm place tasks on a node again (after node:drain)', load: () => import('./admin/node-activate.ts') },
  { name: 'node:label', summary: 'add, change or remove a node\'s labels, which apps\' placement constraints match', load: () => import('./admin/node-label.ts') },
  { name: 'node:remove', summary: 'remove a drained, stopped node from the swarm (--force: a manager or a live node too)', load: () => import('./admin/node-remove.ts') },
  { name: 'proxy:deploy', summary: 'run the proxy (Traefik) on every manager, or update it to the agent config', load: () => import('./admin/proxy-deploy.ts') },
  { name: 'proxy:status', summary: 'show the proxy: its tasks, and every route with its servers\' health', load: () => import('./admin/proxy-status.ts') },
  { name: 'registry:deploy', summary: 'run the cluster\'s image registry on every node, or update it to the agent config', load: () => import('./admin/registry-deploy.ts') },
  { name: 'registry:gc', summary: 'delete the registry\'s layers that no image names any more (read-only meanwhile)', load: () => import('./admin/registry-gc.ts') },
  { name: 'registry:add', summary: 'store the login for an external private registry (tried first, sealed in the state bucket)', load: () => import('./admin/registry-logins.ts').then((m) => ({ register: m.registerAdd })) },
  { name: 'registry:list', summary: 'list the external registries with stored logins (never a password)', load: () => import('./admin/registry-logins.ts').then((m) => ({ register: m.registerList })) },
  { name: 'registry:remove', summary: 'forget the login for an external registry', load: () => import('./admin/registry-logins.ts').then((m) => ({ register: m.registerRemove })) },
  { name: 'agent:status', summary: 'the agent of every manager: resident or not, version, uptime, requests served, which one leads periodic work', load: () => import('./admin/agent-status.ts') },
  { name: 'agent:upgrade', summary: 'install the agent this CLI carries on every node; each resident agent hands over without dropping a request', load: () => import('./admin/agent-upgrade.ts') },
  { name: 'audit', summary: 'who did what, when, with which result (never a secret value)', load: () => import('./admin/audit.ts') },
];

export const register: CommandModule['register'] = (cmd, action) => {
  for (const entry of ADMIN_COMMANDS) cmd.command(entry.name).description(entry.summary);
  // Flags and handler are added just before the chosen subcommand parses its arguments.
  cmd.hook('preSubcommand', async (_admin, sub) => {
    const entry = ADMIN_COMMANDS.find((e) => e.name === sub.name());
    if (entry) (await entry.load()).register(sub as Command, action);
  });
};

export const registerAll: NonNullable<CommandModule['registerAll']> = async (cmd, action) => {
  for (const entry of ADMIN_COMMANDS) (await entry.load()).register(cmd.command(entry.name).description(entry.summary) as Command, action);
};
