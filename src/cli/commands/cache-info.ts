import type { CommandModule } from '../command.ts';
import type { CacheInfoResult } from '../../results/admin.ts';
import { examples } from '../help-text.ts';
import { renderFields } from '../table.ts';

export function renderCacheInfo(r: CacheInfoResult): string {
  const fields: [string, string][] = [
    ['app', r.app],
    ['cache', `${r.cache} (${r.status})`],
  ];
  if (r.endpoint) fields.push(['endpoint', `${r.endpoint.host}:${r.endpoint.port}`]);
  if (r.transitEncryption !== null) fields.push(['security', `${r.transitEncryption ? 'TLS in transit' : 'no TLS'}, ${r.authToken ? 'AUTH token' : 'no AUTH token'}`]);
  if (r.host !== null) fields.push(['app uses', `${r.host}:${r.port}${r.tls ? ' (TLS)' : ''}`]);
  fields.push(['secret', r.secret ? `${r.secret} (read it with futuswarm app:secrets get -n ${r.app} ${r.secret})` : 'none: the app has no REDIS_URL']);
  return renderFields(fields);
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .addHelpText('after', examples('futuswarm cache:info -n shop'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('cache.info', { app: opts.name }, { app: '--name' });
        ctx.io.result(r, () => renderCacheInfo(r));
      }),
    );
};
