import type { CommandModule } from '../command.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--purge', 'also delete its secrets, releases, settings and owners, so a new app of this name inherits nothing')
    .action(
      action(async (ctx, opts) => {
        const r = (await ctx.agent('app.remove', { app: String(opts.name), ...(opts.purge ? { purge: true } : {}) }, { app: '--name' })) as { app: string; purged: boolean };
        ctx.io.result(r, () => `removed ${r.app}${r.purged ? ' and its secrets, releases, settings and owners' : ''}`);
      }),
    );
};
