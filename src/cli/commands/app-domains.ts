import { required, type CommandModule } from '../command.ts';
import type { DomainsResult } from '../../results/app.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  const show = (r: DomainsResult): string => `${r.app} answers to:\n${r.hosts.map((h) => `  ${h}`).join('\n')}`;
  cmd
    .option('-n, --name <app>', 'app name (required)')
    .addHelpText('after', '\nExamples:\n  futuswarm app:domains -n shop\n  futuswarm app:domains -n shop add shop.example.com www.shop.example.com\n  futuswarm app:domains -n shop remove www.shop.example.com\n')
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
      .argument('<hosts...>', 'host names, e.g. shop.example.com')
      .action(
        action(async (ctx, opts, hosts) => {
          // -n belongs to the parent command; the handler gets the parent's options too.
          const app = required(opts as Record<string, unknown>, 'name', '--name');
          const r = await ctx.agent('app.domains', { app, [verb]: hosts }, { app: '--name', [verb]: 'host' });
          ctx.io.result(r, () => show(r));
        }),
      );
  }
};
