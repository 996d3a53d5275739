import type { CommandModule } from '../command.ts';
import type { Destruction } from '../../core/confirm.ts';
import type { RemoveResult } from '../../results/app.ts';
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

export function renderRemove(r: RemoveResult): string {
  if (!r.removed && !r.purged) return `${r.app} was never deployed; its owners are removed and the name is free`;
  if (!r.purged) return `removed ${r.app}; its secrets, releases, owners, database and cache are kept (--purge deletes them)`;
  const lines = [`${r.removed ? `removed ${r.app} and deleted` : `deleted ${r.app}:`} its secrets, releases, settings, owners and images`];
  if (r.database?.kind === 'shared') lines.push(`dropped its database ${r.database.name} and its role from the shared instance`);
  if (r.database?.kind === 'dedicated') lines.push(`deleted its database instance ${r.database.name}${r.database.snapshot ? `; final snapshot ${r.database.snapshot}` : ''}`);
  if (r.cache !== null) lines.push(`deleted its cache ${r.cache}`);
  return lines.join('\n');
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
        ctx.io.result(r, () => renderRemove(r));
      }),
    );
};
