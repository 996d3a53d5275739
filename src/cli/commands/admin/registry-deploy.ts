import type { CommandModule } from '../../command.ts';
import { durationFlag } from '../../command.ts';
import { examples } from '../../help-text.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .option('--timeout <duration>', 'give up waiting for the registry after this long (e.g. 5m; default 2m)', durationFlag('--timeout'))
    .addHelpText(
      'after',
      '\nRuns CNCF Distribution on every node, on 127.0.0.1 only, with its layers in the state bucket.\n' +
        'The image, port and storage come from the registry: section of the agent config on the manager;\n' +
        'its login is made once and sealed in the state bucket. Running it again with an unchanged\n' +
        'config changes nothing and only checks that the registry answers.\n',
    )
    .addHelpText('after', examples('futuswarm admin registry:deploy'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('admin.registry.deploy', opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}, { timeoutSeconds: '--timeout' });
        ctx.io.result(r, () =>
          `${r.service} ${r.changed ? 'is serving' : 'is unchanged'}: ${r.image} on ${r.address} of ${r.tasks} node(s), storage ${r.storage}`,
        );
      }),
    );
};
