import type { CommandModule } from '../command.ts';
import type { Destruction } from '../../core/confirm.ts';
import { appDestruction, confirmDestruction, confirmHelp } from '../confirm.ts';

/** What app:remove destroys, with and without --purge. */
export function removal(app: string, purge: boolean): Destruction {
  return appDestruction(
    purge
      ? `remove ${app} and delete its secrets, releases, settings, owners, database and cache for good`
      : `remove ${app} (its service stops; its secrets, releases, owners, database and cache stay)`,
    app,
    `app:remove -n ${app}${purge ? ' --purge' : ''}`,
  );
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--purge', 'also delete its secrets, releases, settings and owners, and drop its database and cache, so a new app of this name inherits nothing')
    .option('--confirm <app>', confirmHelp('app'))
    .addHelpText(
      'after',
      [
        '',
        'Without --purge the service stops and its secrets, releases, owners, database and cache are',
        'kept: deploying the same name again brings it back with them. --purge deletes them for good:',
        'the database is dropped (a dedicated one is deleted after a final snapshot), the cache is',
        'deleted, and so are the images in the cluster registry. Either way the app\'s name is asked for',
        'at a terminal; elsewhere --confirm must give it.',
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
        const purge = opts.purge === true;
        const confirm = await confirmDestruction(removal(app, purge), opts.confirm);
        const r = await ctx.agent('app.remove', { app, confirm, ...(purge ? { purge: true } : {}) }, { app: '--name', confirm: '--confirm' });
        ctx.io.result(r, () => `removed ${r.app}${r.purged ? ' and its secrets, releases, settings and owners' : ''}`);
      }),
    );
};
