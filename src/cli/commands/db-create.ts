import type { CommandModule } from '../command.ts';
import type { DbCreateResult } from '../../results/admin.ts';
import { intFlag } from '../command.ts';
import { validateArgs } from '../validate-args.ts';

export const FLAGS = { app: '--name', engine: '--engine', instanceClass: '--class', storageGb: '--storage' };

export function renderDbCreate(r: DbCreateResult): string {
  const where = r.kind === 'shared' ? `the shared instance ${r.instance}` : `its own instance ${r.instance}`;
  const restart = r.restarted ? `; ${r.app} now runs release ${r.release} with it` : '';
  return [
    `${r.app}: database ${r.database} (role ${r.user}) on ${where}, ${r.host}:${r.port}`,
    `${r.secret} is in ${r.app}'s secrets${r.secretsVersion ? ` (version ${r.secretsVersion})` : ''}${restart}`,
  ].join('\n');
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--engine <engine>', 'database engine (postgres is the one there is)', 'postgres')
    .option('--dedicated', 'an RDS instance of the app\'s own instead of a database on the cluster\'s shared instance')
    .option('--class <class>', 'instance class of a dedicated instance, e.g. db.t4g.small')
    .option('--storage <GiB>', 'storage of a dedicated instance in GiB (at least 20)', intFlag('--storage'))
    .option('--no-restart', 'only store DATABASE_URL; it applies at the next deploy')
    .addHelpText(
      'after',
      '\nDATABASE_URL goes into the app\'s secrets and is never printed; read it with\n`futuswarm app:secrets get -n <app> DATABASE_URL`. Running db:create again sets a new password.\n\nExamples:\n  futuswarm db:create -n shop\n  futuswarm db:create -n shop --dedicated --class db.t4g.small\n',
    )
    .action(
      action(async (ctx, opts) => {
        // --engine is any text here: the protocol's schema says which engines there are.
        const args = validateArgs(
          'db.create',
          {
            app: opts.name,
            engine: opts.engine,
            ...(opts.dedicated ? { dedicated: true } : {}),
            ...(opts.class !== undefined ? { instanceClass: opts.class } : {}),
            ...(opts.storage !== undefined ? { storageGb: opts.storage } : {}),
            restart: opts.restart !== false,
          },
          FLAGS,
        );
        const r = await ctx.agent('db.create', args, FLAGS);
        ctx.io.result(r, () => renderDbCreate(r));
      }),
    );
};
