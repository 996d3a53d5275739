import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('create an app before its first deploy, so a database, cache, secrets, domains and owners can be attached first; you become its owner')
    .requiredOption('-n, --name <app>', 'app name: a DNS label, becomes <app>.<cluster domain>')
    .addHelpText(
      'after',
      examples(
        'futuswarm app:create -n shop',
        'futuswarm db:create -n shop && futuswarm cache:create -n shop',
        'futuswarm app:deploy -n shop -i acme/shop -t 1.0 --port 8000 --health-path /healthz',
      ),
    )
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.create', { app: opts.name }, { app: '--name' });
        ctx.io.result(r, () =>
          [
            `created ${r.app} (owner: ${r.owners.join(', ')}); it will answer at ${r.url} once deployed`,
            `next: futuswarm db:create -n ${r.app}, futuswarm app:secrets set -n ${r.app} KEY=value, then futuswarm app:deploy -n ${r.app} -i <image> -t <tag> --port <port>`,
          ].join('\n'),
        );
      }),
    );
};
