import type { CommandModule } from '../command.ts';
import { durationFlag, intFlag } from '../command.ts';
import { renderTable } from '../table.ts';
import { rolloutInterrupt } from '../render-deploy.ts';

export const FLAGS = { app: '--name', replicas: 'replicas', timeoutSeconds: '--timeout' };

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('set how many tasks of the app run (no new release)')
    .requiredOption('-n, --name <app>', 'app name')
    .argument('<replicas>', 'number of tasks')
    .option('--dry-run', 'show what would change and change nothing')
    .option('--timeout <duration>', 'give up waiting after this long (e.g. 5m)', durationFlag('--timeout'))
    .option('--lock-wait <duration>', 'wait this long for another change of the app to finish', durationFlag('--lock-wait'))
    .addHelpText('after', '\nExamples:\n  futuswarm app:scale -n shop 4\n  futuswarm app:scale -n shop 0     # stop every task, keep the app\n')
    .action(
      action(async (ctx, opts, operands) => {
        const app = opts.name;
        const replicas = intFlag('replicas')(String(operands[0]));
        const r = await ctx.agent(
          'app.scale',
          {
            app,
            replicas,
            ...(opts.dryRun ? { dryRun: true } : {}),
            ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}),
          },
          FLAGS,
          { ...(opts.lockWait !== undefined ? { lockWaitSeconds: opts.lockWait } : {}), interrupt: rolloutInterrupt(app) },
        );
        ctx.io.result(r, () => {
          if (r.dryRun) {
            if (!r.changed || !r.changes?.length) return `${r.app}: no changes (dry run)`;
            return `${r.app}: would scale from ${r.from} to ${r.replicas} task(s) (dry run, nothing changed)\n${renderTable(['FIELD', 'NOW', 'AFTER'], r.changes.map((c) => [c.field, c.from, c.to]))}`;
          }
          return r.changed ? `${r.app} runs ${r.replicas} task(s) (was ${r.from}), release ${r.release}` : `${r.app} already runs ${r.replicas} task(s)`;
        });
      }),
    );
};
