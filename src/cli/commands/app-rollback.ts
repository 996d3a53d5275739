import type { CommandModule } from '../command.ts';
import { durationFlag, intFlag } from '../command.ts';
import { renderDeployResult, rolloutInterrupt } from '../render-deploy.ts';
import type { RollbackResult } from '../../results/app.ts';

export const FLAGS = { app: '--name', to: '--to', timeoutSeconds: '--timeout' };

/** What a dry run says of the secrets: the version the release ran with, and what becomes of the current ones. */
export function renderRollbackSecrets(r: Pick<RollbackResult, 'rollbackOf' | 'secretsVersion' | 'currentSecretsVersion' | 'restoresSecrets'>): string {
  const now = r.currentSecretsVersion ?? '(none)';
  if (r.secretsVersion === null) {
    return `secrets: release ${r.rollbackOf} ran without secrets; ${r.restoresSecrets ? `the current ones (version ${now}) would be removed` : 'the app has none now either'}`;
  }
  return `secrets: release ${r.rollbackOf} ran with version ${r.secretsVersion}; ${r.restoresSecrets ? `the current ones (version ${now}) would be restored to it` : 'the current ones hold the same values'}`;
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('run an earlier release again: its image, secrets version and settings, as a new release')
    .requiredOption('-n, --name <app>', 'app name')
    .option('--to <release>', 'the release to go back to (default: the one before the live release)', intFlag('--to'))
    .option('--dry-run', 'show what would change and change nothing')
    .option('--timeout <duration>', 'give up waiting for the release after this long (e.g. 5m)', durationFlag('--timeout'))
    .option('--lock-wait <duration>', 'wait this long for another change of the app to finish', durationFlag('--lock-wait'))
    .addHelpText('after', '\nThe app\'s current secrets become those of the release again (a new secrets version), so a\nlater deploy does not bring the newer ones back; --dry-run names that version. The number of\nreplicas and the placement (--constraint, --spread) stay as they are. A release that failed\nis never gone back to.\n\nExamples:\n  futuswarm app:rollback -n shop\n  futuswarm app:rollback -n shop --to 12 --dry-run\n')
    .action(
      action(async (ctx, opts) => {
        const app = opts.name;
        const r = await ctx.agent(
          'app.rollback',
          {
            app,
            ...(opts.to !== undefined ? { to: opts.to } : {}),
            ...(opts.dryRun ? { dryRun: true } : {}),
            ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}),
          },
          FLAGS,
          { ...(opts.lockWait !== undefined ? { lockWaitSeconds: opts.lockWait } : {}), interrupt: rolloutInterrupt(app) },
        );
        ctx.io.result(r, () => {
          const lines = [renderDeployResult(r)];
          if (r.dryRun) lines.push(renderRollbackSecrets(r));
          if (!r.dryRun && r.changed) lines[0] = `${r.app} release ${r.release} (rollback of ${r.rollbackOf}, ${r.image}) is live at ${r.url}`;
          if (r.secretsRestored) lines.push(`secrets restored to those of release ${r.rollbackOf} as version ${r.secretsRestored}`);
          return lines.join('\n');
        });
      }),
    );
};
