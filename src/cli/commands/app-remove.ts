import type { CommandModule } from '../command.ts';

export const register: CommandModule['register'] = (cmd, action) => {
    cmd.requiredOption('-n, --name <app>', 'app name').action(
      action(async (ctx, opts) => {
        const r = (await ctx.agent('app.remove', { app: String(opts.name) }, { app: '--name' })) as { app: string };
        ctx.io.result(r, () => `removed ${r.app}`);
      }),
    );
};
