import type { CommandModule } from '../command.ts';
import { checkConfirmation } from '../confirm.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--purge', 'also delete its secrets, releases, settings and owners, so a new app of this name inherits nothing (needs --confirm)')
    .option('--confirm <app>', 'the app\'s name again, to purge it')
    .addHelpText(
      'after',
      [
        '',
        'Without --purge the service stops and its secrets, releases and owners are kept: deploying',
        'the same name again brings it back with them. --purge deletes them for good.',
        '',
        'Examples:',
        '  futuswarm app:remove -n shop',
        '  futuswarm app:remove -n shop --purge --confirm shop',
        '',
      ].join('\n'),
    )
    .action(
      action(async (ctx, opts) => {
        const app = opts.name;
        if (opts.purge) checkConfirmation(`the secrets, releases and owners of ${app}`, app, opts.confirm, `futuswarm app:remove -n ${app} --purge --confirm ${app}`);
        const r = await ctx.agent('app.remove', { app, ...(opts.purge ? { purge: true } : {}) }, { app: '--name' });
        ctx.io.result(r, () => `removed ${r.app}${r.purged ? ' and its secrets, releases, settings and owners' : ''}`);
      }),
    );
};
