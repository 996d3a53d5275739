import { Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../../command.ts';
import { limitFlag } from '../../command.ts';
import { examples } from '../../help-text.ts';
import { parseSince } from '../../since.ts';
import { clip, DEFAULT_LIMIT, limitNote, renderTable } from '../../table.ts';
import { relativeTime } from '../../../core/relative-time.ts';
import { FutuswarmError } from '../../../core/errors.ts';

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .option('-n, --name <app>', 'only requests about this app')
    // The old spelling, still taken; -n is what every other command that names an app says.
    .addOption(new Option('--app <app>', 'only requests about this app (old spelling of -n)').hideHelp())
    .option('--user <user>', 'only requests by this person')
    .option('--op <op>', 'only this op, e.g. app.deploy')
    .option('--since <when>', 'only since then: 30m, 24h, 7d, or a date (2025-01-31)')
    .option('--limit <n>', `at most this many records, newest first (default ${DEFAULT_LIMIT}; with --json, 200)`, limitFlag('--limit', 10000))
    .addHelpText('after', '\nEvery mutating request, every refused one and every secret read leaves a record; secret values never do.\n')
    .addHelpText('after', examples('futuswarm admin audit -n shop --since 24h', 'futuswarm admin audit --user alice --op app.deploy --limit 20'))
    .action(
      action(async (ctx, opts) => {
        if (opts.name !== undefined && opts.app !== undefined && opts.name !== opts.app) {
          throw new FutuswarmError('invalid_input', `-n ${opts.name} and --app ${opts.app} name two apps`, { hint: 'give only -n' });
        }
        const app = opts.name ?? opts.app;
        const r = await ctx.agent(
          'admin.audit',
          {
            ...(app !== undefined ? { app } : {}),
            ...(opts.user !== undefined ? { user: opts.user } : {}),
            ...(opts.op !== undefined ? { op: opts.op } : {}),
            ...(opts.since !== undefined ? parseSince(opts.since) : {}),
            ...(opts.limit !== undefined || ctx.io.mode !== 'json' ? { limit: opts.limit ?? DEFAULT_LIMIT } : {}),
          },
          { app: opts.name !== undefined ? '--name' : '--app', user: '--user', op: '--op', since: '--since', sinceSeconds: '--since', limit: '--limit' },
        );
        ctx.io.result(r, () => {
          if (r.records.length === 0) return 'No audit records match.';
          const now = Date.now();
          const table = renderTable(
            ['TIME', 'USER', 'OP', 'APP', 'RESULT', 'TOOK', 'DETAIL'],
            r.records.map((x) => [
              relativeTime(x.time, now),
              x.user,
              x.op,
              x.app ?? '',
              x.result === 'ok' ? 'ok' : (x.code ?? 'error'),
              duration(x.durationMs),
              x.result === 'ok' ? '' : clip(x.message ?? '', 60),
            ]),
          );
          return r.truncated ? `${table}\n\n${limitNote('some', 'older records')} (or narrow the query)` : table;
        });
      }),
    );
};
