import type { CommandModule } from '../command.ts';
import type { CacheDestroyResult } from '../../results/admin.ts';
import { examples } from '../help-text.ts';
import { appDestruction, confirmDestruction, confirmHelp } from '../confirm.ts';

export function renderCacheDestroy(r: CacheDestroyResult): string {
  const lines = [r.deleted ? `${r.app}: deleting cache ${r.cache} (it is gone in a few minutes)` : `${r.app}: cache ${r.cache} was already gone`];
  if (r.secretRemoved) lines.push(`REDIS_URL removed from ${r.app}'s secrets${r.restarted ? `; ${r.app} now runs release ${r.release} without it` : ''}`);
  return lines.join('\n');
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--confirm <app>', confirmHelp('app'))
    .option('--no-restart', 'do not restart the app without REDIS_URL')
    .addHelpText('after', examples('futuswarm cache:destroy -n shop --confirm shop'))
    .action(
      action(async (ctx, opts) => {
        const app = opts.name;
        const confirm = await confirmDestruction(appDestruction(`destroy the cache of ${app} (its data is gone)`, app, `cache:destroy -n ${app}`), opts.confirm);
        const r = await ctx.agent('cache.destroy', { app, confirm, restart: opts.restart !== false }, { app: '--name', confirm: '--confirm' });
        ctx.io.result(r, () => renderCacheDestroy(r));
      }),
    );
};
