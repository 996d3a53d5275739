import type { CommandModule } from '../../command.ts';
import { examples } from '../../help-text.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .argument('<name>', 'the node: its host name, its ID or the start of its ID')
    .addHelpText(
      'after',
      '\nSwarm places new tasks on an active node again. Tasks that moved away during a drain stay\n' +
        'where they are; futuswarm app:restart -n APP spreads an app over the nodes again.\n',
    )
    .addHelpText('after', examples('futuswarm admin node:activate futuswarm-node1'))
    .action(
      action(async (ctx, _opts, [name]) => {
        const r = await ctx.agent('admin.node.activate', { node: name ?? '' }, { node: 'NAME' });
        ctx.io.result(r, () => `${r.node.name} ${r.changed ? 'is active' : 'was active already'}: Swarm places new tasks on it`);
      }),
    );
};
