import type { CommandModule } from '../../command.ts';
import { durationFlag } from '../../command.ts';
import { examples } from '../../help-text.ts';
import { formatBytes } from '../../table.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .option('--dry-run', 'only say what would be deleted; the registry stays writable')
    .option('--timeout <duration>', 'give up on the collection after this long (e.g. 10m; default 30m)', durationFlag('--timeout'))
    .addHelpText(
      'after',
      '\nDeleting an image (app:images --prune, the automatic limit, app:remove --purge) deletes its\n' +
        'manifest; its layers stay in the state bucket until this runs Distribution\'s garbage collector.\n' +
        'Meanwhile the registry is read-only on every node: pulls go on, and a push is refused with a\n' +
        'hint to try again. A layer that any remaining image names is never deleted, tagged or not.\n',
    )
    .addHelpText('after', examples('futuswarm admin registry:gc --dry-run', 'futuswarm admin registry:gc'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent(
          'admin.registry.gc',
          { ...(opts.dryRun ? { dryRun: true } : {}), ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}) },
          { timeoutSeconds: '--timeout' },
        );
        ctx.io.result(r, () =>
          [
            `${r.dryRun ? 'would delete' : 'deleted'} ${r.blobsDeleted} layer(s), ${formatBytes(r.bytesDeleted)}, from ${r.storage}`,
            `${r.blobsLeft} layer(s), ${formatBytes(r.bytesLeft)}, ${r.dryRun ? 'would stay' : 'stay'}: ${r.blobsMarked} named by images`,
            ...(r.dryRun ? [] : [`the registry is writable again (${r.seconds}s)`]),
          ].join('\n'),
        );
      }),
    );
};
