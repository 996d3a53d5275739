import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { OWNERS_ONLY, renderTable } from '../table.ts';
import type { ReleasesResult } from '../../results/app.ts';

/** The table, then why each failed release failed (for owners). */
export function renderReleases(r: ReleasesResult): string {
  if (r.releases.length === 0) return `${r.app} has no releases yet`;
  const table = renderTable(
    ['', 'RELEASE', 'STATUS', 'IMAGE', 'IMAGE ID', 'SECRETS', 'WHO', 'WHEN', 'NOTE'],
    r.releases.map((x) => [
      x.live ? '*' : '',
      String(x.n),
      x.status,
      x.image,
      (x.imageId ?? '').replace('sha256:', '').slice(0, 12),
      x.secretsVersion ?? '-',
      x.user,
      x.time,
      x.note === undefined ? OWNERS_ONLY : (x.note ?? ''),
    ]),
  );
  const failures = r.releases.filter((x) => x.status === 'failed').map((x) => `release ${x.n} failed: ${x.failure === undefined ? OWNERS_ONLY : (x.failure ?? '(no reason recorded)')}`);
  return [table, ...(failures.length > 0 ? ['', ...failures] : [])].join('\n');
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .addHelpText(
      'after',
      '\nEvery release keeps its number. STATUS is deployed (it ran healthy), failed (it never did: why\n' +
        'is listed under the table, for the app\'s owners) or started (its end was not recorded: the\n' +
        'rollout is still going, or the agent stopped following it). * marks the live release.\n' +
        examples('futuswarm app:releases -n shop', 'futuswarm app:rollback -n shop --to 12   # run one of them again'),
    )
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.releases', { app: opts.name }, { app: '--name' });
        ctx.io.result(r, () => renderReleases(r));
      }),
    );
};
