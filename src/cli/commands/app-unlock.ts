import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { renderLock } from './app-lock.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('release the app\'s lock (taken with app:lock, by anyone who may change the app)')
    .requiredOption('-n, --name <app>', 'app name')
    .option('--force', 'also break the lock of a running change that seems stuck')
    .addHelpText('after', examples('futuswarm app:unlock -n shop', 'futuswarm app:unlock -n shop --force   # a deploy\'s lock that seems stuck'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.unlock', { app: opts.name, ...(opts.force ? { force: true } : {}) }, { app: '--name' });
        ctx.io.result(r, () => (r.released && r.lock ? `released: ${renderLock(r.app, r.lock).replace(' is locked', ' was locked')}` : `${r.app} was not locked`));
      }),
    );
};
