import type { CommandModule } from '../command.ts';
import { durationFlag } from '../command.ts';
import { describeLockHolder } from '../../core/names.ts';
import type { LockView } from '../../results/app.ts';

export function renderLock(app: string, lock: LockView | null): string {
  if (!lock) return `${app} is not locked`;
  const what = describeLockHolder(lock);
  const state = lock.expired ? `expired at ${lock.expiresAt} (the next change takes it over)` : `until ${lock.expiresAt}`;
  return `${app} is locked by ${lock.user} since ${lock.since} (${what}), ${state}`;
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('lock the app against every change (deploys, rollbacks, secrets) until app:unlock, or show the lock')
    .requiredOption('-n, --name <app>', 'app name')
    .option('-m, --message <text>', 'why, shown to whoever is blocked (e.g. "db migration")')
    .option('--ttl <duration>', 'release the lock by itself after this long (default 24h)', durationFlag('--ttl'))
    .option('--lock-wait <duration>', 'wait this long for a running change to finish', durationFlag('--lock-wait'))
    .option('--status', 'only show who holds the lock, if anyone')
    .addHelpText('after', '\nExamples:\n  futuswarm app:lock -n shop --message "db migration"\n  futuswarm app:lock -n shop --status\n  futuswarm app:unlock -n shop\n')
    .action(
      action(async (ctx, opts) => {
        const app = opts.name;
        if (opts.status) {
          const r = await ctx.agent('app.lock.status', { app }, { app: '--name' });
          ctx.io.result(r, () => renderLock(r.app, r.lock));
          return;
        }
        const r = await ctx.agent(
          'app.lock',
          {
            app,
            ...(opts.message !== undefined ? { message: opts.message } : {}),
            ...(opts.ttl !== undefined ? { ttlSeconds: opts.ttl } : {}),
            ...(opts.lockWait !== undefined ? { waitSeconds: opts.lockWait } : {}),
          },
          { app: '--name', message: '--message', ttlSeconds: '--ttl', waitSeconds: '--lock-wait' },
        );
        ctx.io.result(r, () => `${renderLock(r.app, r.lock)}\nrelease it with: futuswarm app:unlock -n ${r.app}`);
      }),
    );
};
