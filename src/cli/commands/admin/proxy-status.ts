import type { CommandModule } from '../../command.ts';
import { clip, renderFields, renderTable } from '../../table.ts';
import { relativeTime } from '../../../core/relative-time.ts';
import { examples } from '../../help-text.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd.addHelpText('after', examples('futuswarm admin proxy:status', 'futuswarm admin proxy:status --json'));
  cmd.action(
    action(async (ctx) => {
      const s = await ctx.agent('admin.proxy.status', {});
      ctx.io.result(s, () => {
        if (!s.deployed) return 'The proxy is not deployed. Deploy it: futuswarm admin proxy:deploy';
        const fields: [string, string][] = [
          ['image', `${s.image}${s.upToDate ? '' : ' (the agent config asks for something else: run futuswarm admin proxy:deploy)'}`],
          ['api', s.api.reachable ? `Traefik ${s.api.version} at ${s.api.url} (reachable from this manager only)` : `not reachable: ${s.api.reason ?? 'unknown'}`],
        ];
        if (s.update) fields.push(['update', `${s.update.state}${s.update.message ? ` (${s.update.message})` : ''}`]);
        const lines = [renderFields(fields)];
        const now = Date.now();
        lines.push('', 'tasks:');
        lines.push(renderTable(['ID', 'NODE', 'STATE', 'DESIRED', 'SINCE', 'ERROR'], s.tasks.map((t) => [t.id, t.node, t.state, t.desiredState, relativeTime(t.since, now), clip(t.error ?? '', 40)])));
        lines.push('', 'routes:');
        lines.push(
          s.routes.length === 0
            ? '  (none)'
            : renderTable(['ROUTER', 'RULE', 'STATUS', 'SERVERS UP'], s.routes.map((r) => [r.router, r.rule, r.status, `${r.serversUp}/${r.servers}`])),
        );
        return lines.join('\n');
      });
    }),
  );
};
