import { required, type CommandModule } from '../command.ts';
import type { DomainsResult } from '../../results/app.ts';
import { examples } from '../help-text.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  const show = (r: DomainsResult): string => `${r.app} answers to:\n${r.hosts.map((h) => `  ${h}`).join('\n')}`;
  cmd
    .option('-n, --name <app>', 'app name (required)')
    .addHelpText('after', examples('futuswarm app:domains -n shop', 'futuswarm app:domains add -n shop shop.example.com www.shop.example.com', 'futuswarm app:domains remove -n shop www.shop.example.com'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.domains', { app: required(opts, 'name', '--name') }, { app: '--name' });
        ctx.io.result(r, () => show(r));
      }),
    );
  for (const verb of ['add', 'remove'] as const) {
    cmd
      .command(verb)
      .description(verb === 'add' ? 'route more host names to the app (each may belong to one app only)' : 'stop routing host names to the app')
      // Here as on every command that names an app; `app:domains -n shop add …` works too.
      .option('-n, --name <app>', 'app name (required)')
      .argument('<hosts...>', 'host names, e.g. shop.example.com')
      .addHelpText('after', examples(`futuswarm app:domains ${verb} -n shop ${verb === 'add' ? 'shop.example.com' : 'www.shop.example.com'}`))
      .action(
        action(async (ctx, opts, hosts) => {
          // The handler gets the parent's options too: -n may stand before the verb.
          const app = required(opts as Record<string, unknown>, 'name', '--name');
          const r = await ctx.agent('app.domains', { app, [verb]: hosts }, { app: '--name', [verb]: 'host' });
          ctx.io.result(r, () => show(r));
        }),
      );
  }
};
