import { Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../../command.ts';
import { intFlag } from '../../command.ts';
import { examples } from '../../help-text.ts';
import { FutuswarmError } from '../../../core/errors.ts';
import { renderTable } from '../../table.ts';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** `--since 24h` (30m, 7d, 2w …) or an ISO 8601 date/time. */
export function parseSince(value: string): { sinceSeconds: number } | { since: string } {
  const m = /^(\d+)([smhdw])$/.exec(value);
  if (m) return { sinceSeconds: Number(m[1]) * UNITS[m[2]!]! };
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return { since: new Date(value).toISOString() };
  throw new FutuswarmError('invalid_input', `--since: must be a duration such as 30m, 24h or 7d, or a date such as 2025-01-31, got "${value}"`);
}

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
    .option('--limit <n>', 'at most this many records, newest first (default 200)', intFlag('--limit'))
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
            ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
          },
          { app: opts.name !== undefined ? '--name' : '--app', user: '--user', op: '--op', since: '--since', sinceSeconds: '--since', limit: '--limit' },
        );
        ctx.io.result(r, () => {
          if (r.records.length === 0) return 'No audit records match.';
          const table = renderTable(
            ['TIME', 'USER', 'OP', 'APP', 'RESULT', 'TOOK', 'DETAIL'],
            r.records.map((x) => [
              x.time.replace(/\.\d+Z$/, 'Z'),
              x.user,
              x.op,
              x.app ?? '',
              x.result === 'ok' ? 'ok' : (x.code ?? 'error'),
              duration(x.durationMs),
              x.result === 'ok' ? '' : (x.message ?? '').split('\n')[0]!.slice(0, 120),
            ]),
          );
          return r.truncated ? `${table}\n\n(older records left out: narrow the query or raise --limit)` : table;
        });
      }),
    );
};
