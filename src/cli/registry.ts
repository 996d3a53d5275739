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
  { name: 'app:deploy', summary: 'deploy an image as an app (creates it, or rolls it to a new release)', load: () => import('./commands/app-deploy.ts') },
  { name: 'app:list', summary: 'list the apps on the cluster', load: () => import('./commands/app-list.ts') },
  { name: 'app:inspect', summary: 'show an app: image, replicas, tasks, domain, labels', load: () => import('./commands/app-inspect.ts') },
  { name: 'app:remove', summary: 'remove an app', load: () => import('./commands/app-remove.ts') },
  { name: 'app:secrets', summary: 'set, unset, list and read an app\'s encrypted secrets', load: () => import('./commands/app-secrets.ts') },
  { name: 'app:releases', summary: 'list an app\'s releases: image, secrets version, who, when', load: () => import('./commands/app-releases.ts') },
  { name: 'context', summary: 'manage the clusters this CLI talks to (add, use, list, remove)', load: () => import('./commands/context.ts') },
];
