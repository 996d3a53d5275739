import type { CommandModule } from '../../command.ts';
import { renderTable } from '../../table.ts';
import { examples } from '../../help-text.ts';
import { VERSION } from '../../../version.ts';

/** 93784 s → "1d 2h"; 125 s → "2m 5s". */
export function uptime(seconds: number): string {
  const units: [string, number][] = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of units) {
    if (rest >= size || (parts.length === 0 && unit === 's')) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd.addHelpText('after', examples('futuswarm admin agent:status', 'futuswarm admin agent:status --json'));
  cmd.action(
    action(async (ctx) => {
      const s = await ctx.agent('admin.agent.status', {});
      ctx.io.result(s, () => {
        const rows = s.managers.map((m) => {
          const a = m.agent;
          return [
            `${m.node}${m.answered ? ' *' : ''}`,
            m.addr ?? '',
            a ? (a.mode === 'daemon' ? 'resident' : 'per request') : 'unknown',
            a?.version ?? '',
            a?.uptimeSeconds === undefined ? '' : uptime(a.uptimeSeconds),
            a?.requests === undefined ? '' : String(a.requests),
            a?.leader ? 'yes' : a?.mode === 'daemon' ? 'no' : '',
            m.error ?? (a && a.version !== VERSION ? `differs from this CLI (${VERSION})` : ''),
          ];
        });
        return [
          renderTable(['MANAGER', 'ADDRESS', 'AGENT', 'VERSION', 'UPTIME', 'REQUESTS', 'LEADER', 'PROBLEM'], rows),
          '* answered this request. LEADER runs the periodic work (one agent at a time).',
        ].join('\n');
      });
    }),
  );
};
