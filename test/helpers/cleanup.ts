/**
 * What a test leaves behind is removed as a user would remove it, and whatever that could not
 * remove goes straight from Docker: a service left by one test file would otherwise be found by
 * a later one (a drain that waits for it, a placement it spoils) far from its cause.
 */
import type { CliSandbox } from './cli.ts';
import { removeServiceIfExists, serviceExists } from './docker.ts';

/** `app:remove --purge` for each app; a service it left (the agent restarting, a lock held) is removed directly, said on stderr. */
export async function removeApps(cli: CliSandbox, ...apps: string[]): Promise<void> {
  for (const app of apps) {
    const r = await cli.run(['app:remove', '-n', app, '--purge', '--confirm', app]);
    if (!serviceExists(app)) continue;
    const why = `${r.stderr}${r.stdout}`.trim().split('\n').slice(-3).join(' | ');
    process.stderr.write(`# clean-up: app:remove -n ${app} left its service (exit ${r.code}: ${why}); removing it with docker\n`);
    removeServiceIfExists(app);
  }
}
