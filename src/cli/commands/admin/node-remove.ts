import type { CommandModule } from '../../command.ts';
import { examples } from '../../help-text.ts';
import { confirmDestruction, confirmHelp } from '../../confirm.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .argument('<name>', 'the node: its host name, its ID or the start of its ID')
    .option('--force', 'demote a manager first, and remove the node although it is ready or runs tasks')
    .option('--confirm <name>', confirmHelp('node'))
    .addHelpText(
      'after',
      '\nRemoves a node from the swarm\'s list, and its SSH host key record from the state bucket.\n' +
        'Without --force only a worker that is down and runs no tasks: drain it, stop it, then remove\n' +
        'it. The last manager, and the manager you are connected to, are never removed.\n',
    )
    .addHelpText('after', examples('futuswarm admin node:remove futuswarm-node2 --confirm futuswarm-node2', 'futuswarm admin node:remove ip-10-0-1-12 --force --confirm ip-10-0-1-12'))
    .action(
      action(async (ctx, opts, [name = '']) => {
        const force = opts.force === true;
        const confirm = await confirmDestruction(
          {
            action: `remove node ${name} from the swarm${force ? ' (--force: a manager is demoted first; a live node loses its tasks)' : ''}`,
            by: 'node',
            name,
            rerun: `futuswarm admin node:remove ${name}${force ? ' --force' : ''} --confirm ${name}`,
          },
          opts.confirm,
        );
        const r = await ctx.agent('admin.node.remove', { node: name, confirm, ...(force ? { force: true } : {}) }, { node: 'NAME', confirm: '--confirm' });
        ctx.io.result(r, () =>
          `removed ${r.node.name} from the swarm${r.demoted ? ' (demoted from manager first)' : ''}` +
          `${r.hostKeyForgotten ? '; its host key record is deleted' : ''}`,
        );
      }),
    );
};
