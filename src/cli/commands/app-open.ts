import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';

/** Prints the URL, never starts a browser: it works the same in a terminal, a script and over SSH. */
export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .addHelpText('after', examples('futuswarm app:open -n shop', 'futuswarm open -n shop', 'xdg-open "$(futuswarm open -n shop)"'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.inspect', { app: opts.name }, { app: '--name' });
        ctx.io.result({ app: r.app, url: r.url }, () => r.url);
      }),
    );
};
