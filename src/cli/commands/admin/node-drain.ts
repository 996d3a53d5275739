import type { CommandModule } from '../../command.ts';
import { durationFlag } from '../../command.ts';
import { examples } from '../../help-text.ts';

export const FLAGS = { node: 'NAME', timeoutSeconds: '--timeout' };

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .argument('<name>', 'the node: its host name, its ID or the start of its ID')
    .option('--no-wait', 'return once the node is drained; its tasks move on their own')
    .option('--timeout <duration>', "give up waiting after this long (e.g. 10m; default: the agent config's deploy timeout)", durationFlag('--timeout'))
    .addHelpText(
      'after',
      '\nSwarm places no new tasks on a drained node and moves its tasks to other active nodes. The\n' +
        'command waits until every app that had a task there runs all its tasks elsewhere again,\n' +
        'healthy where the app has a health check. One-per-node services (the proxy, the registry)\n' +
        'stop on the node and are not waited for. It refuses, changing nothing, when an app\'s\n' +
        'placement would leave its tasks no other node. On timeout the node stays drained.\n',
    )
    .addHelpText('after', examples('futuswarm admin node:drain futuswarm-node1', 'futuswarm admin node:drain futuswarm-node1 --timeout 15m', 'futuswarm admin node:drain k3v9x0 --no-wait'))
    .action(
      action(async (ctx, opts, [name]) => {
        const node = name ?? '';
        const r = await ctx.agent(
          'admin.node.drain',
          { node, wait: opts.wait, ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}) },
          FLAGS,
          {
            interrupt: {
              message: `interrupted: ${node} stays drained and Swarm goes on moving its tasks without this terminal`,
              hint: `see where they run: futuswarm admin node:list; futuswarm admin node:activate ${node} places tasks on it again`,
            },
          },
        );
        ctx.io.result(r, () => {
          const name = r.node.name;
          const was = r.changed ? 'is drained' : 'was drained already';
          const services = r.services.map((s) => `${s.app ?? s.service} ${s.running}/${s.desired}`).join(', ');
          const lines = [
            r.waited
              ? `${name} ${was}: ${r.tasks === 0 ? 'it ran no app tasks' : `its ${r.tasks} task(s) run elsewhere (${services}) after ${r.seconds} s`}`
              : `${name} ${was}; ${r.moved}/${r.tasks} of its task(s) run elsewhere so far (futuswarm admin node:list shows where tasks run)`,
          ];
          if (r.stranded.length > 0) lines.push(`note: ${r.stranded.join(', ')} now run(s) on no node`);
          return lines.join('\n');
        });
      }),
    );
};
