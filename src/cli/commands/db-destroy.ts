import type { CommandModule } from '../command.ts';
import type { DbDestroyResult } from '../../results/admin.ts';
import { appDestruction, confirmDestruction, confirmHelp } from '../confirm.ts';

export function renderDbDestroy(r: DbDestroyResult): string {
  const lines = [
    r.kind === 'dedicated'
      ? `${r.app}: deleted its database instance${r.snapshot ? `; final snapshot ${r.snapshot}` : ''}`
      : `${r.app}: dropped database ${r.database} and its role from the shared instance`,
  ];
  if (r.secretRemoved) lines.push(`DATABASE_URL removed from ${r.app}'s secrets${r.restarted ? `; ${r.app} now runs release ${r.release} without it` : ''}`);
  return lines.join('\n');
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--confirm <app>', confirmHelp('app'))
    .option('--no-restart', 'do not restart the app without DATABASE_URL')
    .addHelpText('after', '\nA dedicated instance is deleted after a final snapshot. On the shared instance the\ndatabase and its role are dropped; only the instance\'s own backups keep its data.\n\nExample:\n  futuswarm db:destroy -n shop --confirm shop\n')
    .action(
      action(async (ctx, opts) => {
        const app = opts.name;
        const confirm = await confirmDestruction(appDestruction(`destroy the database of ${app} (its data is gone)`, app, `db:destroy -n ${app}`), opts.confirm);
        const r = await ctx.agent('db.destroy', { app, confirm, restart: opts.restart !== false }, { app: '--name', confirm: '--confirm' });
        ctx.io.result(r, () => renderDbDestroy(r));
      }),
    );
};
