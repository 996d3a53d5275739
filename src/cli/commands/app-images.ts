import type { CommandModule } from '../command.ts';
import { intFlag, limitFlag } from '../command.ts';
import { examples } from '../help-text.ts';
import { DEFAULT_LIMIT, fitLine, formatBytes, limitNote, renderTable } from '../table.ts';
import { relativeTime } from '../../core/relative-time.ts';
import type { ImagesResult } from '../../results/people.ts';

/** The newest `limit` images, and how many older ones that leaves out. */
export function newestImages(r: ImagesResult, limit: number): { shown: ImagesResult; more: number } {
  const images = [...r.images].sort((a, b) => b.pushedAt.localeCompare(a.pushedAt));
  return { shown: { ...r, images: images.slice(0, limit) }, more: Math.max(0, images.length - limit) };
}

/** The images table, times relative to now, then how many --limit left out. */
export function renderImages(r: ImagesResult, now: number, more: number): string {
  if (r.images.length === 0) return `nothing was pushed into ${r.repository} yet (futuswarm app:push -n ${r.app} -i <image>, or app:deploy --build)`;
  const table = renderTable(
    ['DIGEST', 'TAGS', 'SIZE', 'PUSHED BY', 'WHEN', 'RELEASES'],
    r.images.map((i) => [i.digest.slice(0, 19), i.tags.join(',') || '-', formatBytes(i.size), i.pushedBy, relativeTime(i.pushedAt, now), i.releases.join(',') || '-']),
  );
  return [fitLine(r.repository), table, ...(more > 0 ? ['', limitNote(more, 'older images')] : [])].join('\n');
}
import { appDestruction, confirmDestruction, confirmHelp } from '../confirm.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--prune', 'delete images that neither the newest --keep pushes nor the newest --keep releases use')
    .option('--keep <n>', 'with --prune: how many to keep (default: the cluster\'s registry.keepImages, 20)', intFlag('--keep'))
    .option('--limit <n>', `list at most this many images, newest first (default ${DEFAULT_LIMIT}; with --json, all)`, limitFlag('--limit', 10000))
    .option('--dry-run', 'with --prune: show what would be deleted')
    .option('--confirm <app>', `with --prune: ${confirmHelp('app')}`)
    .addHelpText('after', examples('futuswarm app:images -n shop', 'futuswarm app:images -n shop --prune --keep 5 --dry-run', 'futuswarm app:images -n shop --prune --keep 5 --confirm shop'))
    .action(
      action(async (ctx, opts) => {
        const app = opts.name;
        if (opts.prune) {
          const keep = opts.keep !== undefined ? { keep: opts.keep } : {};
          const mode = opts.dryRun
            ? { dryRun: true }
            : {
                confirm: await confirmDestruction(
                  appDestruction(`delete the images of ${app} that the newest pushes and releases do not use`, app, `app:images -n ${app} --prune${opts.keep !== undefined ? ` --keep ${opts.keep}` : ''}`),
                  opts.confirm,
                ),
              };
          const r = await ctx.agent('app.images.prune', { app, ...keep, ...mode }, { app: '--name', keep: '--keep', confirm: '--confirm' });
          ctx.io.result(r, () =>
            r.dryRun
              ? `would delete ${r.wouldDelete.length} image(s) of ${r.app}, keep ${r.kept}${r.wouldDelete.map((d) => `\n  ${d}`).join('')}`
              : `deleted ${r.deleted.length} image(s) of ${r.app}, kept ${r.kept}${
                  r.deleted.length > 0 ? '\ntheir layers stay in storage until an admin runs: futuswarm admin registry:gc' : ''
                }`,
          );
          return;
        }
        const { shown, more } = newestImages(await ctx.agent('app.images', { app }, { app: '--name' }), opts.limit ?? (ctx.io.mode === 'json' ? Infinity : DEFAULT_LIMIT));
        ctx.io.result(shown, () => renderImages(shown, Date.now(), more));
      }),
    );
};
