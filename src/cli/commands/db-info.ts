import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';

interface DbInfoResult {
  app: string;
  engine: string;
  kind: 'shared' | 'dedicated';
  host: string | null;
  port: number | null;
  database: string | null;
  user: string | null;
  secret: string | null;
  instance: { id: string; status: string; class: string | null; engineVersion: string | null } | null;
}

export function renderDbInfo(r: DbInfoResult): string {
  const lines = [
    `app:       ${r.app}`,
    `engine:    ${r.engine}${r.instance?.engineVersion ? ` ${r.instance.engineVersion}` : ''}`,
    `instance:  ${r.instance ? `${r.instance.id} (${r.kind}, ${r.instance.class ?? 'unknown class'}, ${r.instance.status})` : `${r.kind} (not found on AWS)`}`,
  ];
  if (r.host !== null) lines.push(`host:      ${r.host}:${r.port}`, `database:  ${r.database ?? '-'}`, `user:      ${r.user ?? '-'}`);
  lines.push(r.secret ? `secret:    ${r.secret} (read it with futuswarm app:secrets get -n ${r.app} ${r.secret})` : 'secret:    none: the app has no DATABASE_URL');
  return lines.join('\n');
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .addHelpText('after', examples('futuswarm db:info -n shop'))
    .action(
      action(async (ctx, opts) => {
        const r = (await ctx.agent('db.info', { app: String(opts.name) }, { app: '--name' })) as DbInfoResult;
        ctx.io.result(r, () => renderDbInfo(r));
      }),
    );
};
