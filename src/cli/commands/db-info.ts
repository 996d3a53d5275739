import type { CommandModule } from '../command.ts';
import type { DbInfoResult } from '../../results/admin.ts';
import { examples } from '../help-text.ts';
import { renderFields } from '../table.ts';

export function renderDbInfo(r: DbInfoResult): string {
  const fields: [string, string][] = [
    ['app', r.app],
    ['engine', `${r.engine}${r.instance?.engineVersion ? ` ${r.instance.engineVersion}` : ''}`],
    ['instance', r.instance ? `${r.instance.id} (${r.kind}, ${r.instance.class ?? 'unknown class'}, ${r.instance.status})` : `${r.kind} (not found on AWS)`],
  ];
  if (r.host !== null) fields.push(['host', `${r.host}:${r.port}`], ['database', r.database ?? '-'], ['user', r.user ?? '-']);
  fields.push(['secret', r.secret ? `${r.secret} (read it with futuswarm app:secrets get -n ${r.app} ${r.secret})` : 'none: the app has no DATABASE_URL']);
  return renderFields(fields);
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .addHelpText('after', examples('futuswarm db:info -n shop'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('db.info', { app: opts.name }, { app: '--name' });
        ctx.io.result(r, () => renderDbInfo(r));
      }),
    );
};
