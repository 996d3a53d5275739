import type { CommandModule } from '../../command.ts';
import { examples } from '../../help-text.ts';
import { renderTable } from '../../table.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .addHelpText('after', '\nThe manager you are connected to is marked with *. TASKS counts the tasks running on a node now.\n')
    .addHelpText('after', examples('futuswarm admin node:list', 'futuswarm admin node:list --json'));
  cmd.action(
    action(async (ctx) => {
      const r = await ctx.agent('admin.node.list', {});
      ctx.io.result(r, () =>
        renderTable(
          ['NAME', 'ROLE', 'AVAILABILITY', 'STATE', 'MANAGER', 'ADDRESS', 'ENGINE', 'TASKS', 'LABELS'],
          r.nodes.map((n) => [
            `${n.name}${n.self ? ' *' : ''}`,
            n.role,
            n.availability,
            n.state,
            n.managerStatus ?? '-',
            n.address ?? '-',
            n.engineVersion ?? '-',
            String(n.tasks),
            Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).sort().join(',') || '-',
          ]),
          { whole: ['NAME'] },
        ),
      );
    }),
  );
};
