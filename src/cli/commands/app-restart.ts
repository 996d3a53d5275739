import type { CommandModule } from '../command.ts';
import { durationFlag } from '../command.ts';
import { examples } from '../help-text.ts';
import { rolloutInterrupt } from '../render-deploy.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('replace every task with a fresh one, one at a time, health-gated like a deploy')
    .requiredOption('-n, --name <app>', 'app name')
    .option('--timeout <duration>', 'give up waiting after this long (e.g. 5m)', durationFlag('--timeout'))
    .option('--lock-wait <duration>', 'wait this long for another change of the app to finish', durationFlag('--lock-wait'))
    .addHelpText('after', examples('futuswarm app:restart -n shop', 'futuswarm app:restart -n shop --timeout 10m'))
    .action(
      action(async (ctx, opts) => {
        const app = opts.name;
        const r = await ctx.agent(
          'app.restart',
          { app, ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}) },
          { app: '--name', timeoutSeconds: '--timeout' },
          { ...(opts.lockWait !== undefined ? { lockWaitSeconds: opts.lockWait } : {}), interrupt: rolloutInterrupt(app) },
        );
        ctx.io.result(r, () => `${r.app} restarted: release ${r.release} (${r.image}) runs ${r.replicas} fresh task(s)`);
      }),
    );
};
