import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { limitFlag } from '../command.ts';
import { clip, DEFAULT_LIMIT, fitLine, limitNote, OWNERS_ONLY, renderTable } from '../table.ts';
import { relativeTime } from '../../core/relative-time.ts';
import type { ReleasesResult } from '../../results/app.ts';

/** The most the agent lists at once (protocol.ts app.releases). */
const MAX_LIMIT = 1000;

/** The table (times relative to now), then why each failed release failed (for owners), then whether --limit left some out. */
export function renderReleases(r: ReleasesResult, now: number, more = false): string {
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
      relativeTime(x.time, now),
      x.note === undefined ? OWNERS_ONLY : clip(x.note ?? '', 30),
    ]),
  );
  const failures = r.releases.filter((x) => x.status === 'failed').map((x) => fitLine(`release ${x.n} failed: ${x.failure === undefined ? OWNERS_ONLY : (x.failure ?? '(no reason recorded)')}`));
  return [table, ...(failures.length > 0 ? ['', ...failures] : []), ...(more ? ['', limitNote('some', 'older releases')] : [])].join('\n');
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--limit <n>', `at most this many releases, newest first (default ${DEFAULT_LIMIT}; with --json, all)`, limitFlag('--limit', MAX_LIMIT - 1))
    .addHelpText(
      'after',
      '\nEvery release keeps its number. STATUS is deployed (it ran healthy), failed (it never did: why\n' +
        'is listed under the table, for the app\'s owners) or started (its end was not recorded: the\n' +
        'rollout is still going, or the agent stopped following it). * marks the live release.\n' +
        examples('futuswarm app:releases -n shop', 'futuswarm app:releases -n shop --limit 100', 'futuswarm app:rollback -n shop --to 12   # run one of them again'),
    )
    .action(
      action(async (ctx, opts) => {
        const limit = opts.limit ?? (ctx.io.mode === 'json' ? MAX_LIMIT - 1 : DEFAULT_LIMIT);
        // One more than shown tells whether there are more.
        const all = await ctx.agent('app.releases', { app: opts.name, limit: limit + 1 }, { app: '--name', limit: '--limit' });
        const r = { ...all, releases: all.releases.slice(0, limit) };
        ctx.io.result(r, () => renderReleases(r, Date.now(), all.releases.length > limit));
      }),
    );
};
