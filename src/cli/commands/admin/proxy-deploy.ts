import type { CommandModule } from '../../command.ts';
import { durationFlag } from '../../command.ts';
import { examples } from '../../help-text.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .option('--timeout <duration>', 'give up waiting for the proxy after this long (e.g. 5m; default 2m)', durationFlag('--timeout'))
    .addHelpText(
      'after',
      '\nThe image, ports and TLS come from the proxy: section of the agent config on the manager.\n' +
        'Running it again with an unchanged config changes nothing and only checks that the proxy answers.\n',
    )
    .addHelpText('after', examples('futuswarm admin proxy:deploy', 'futuswarm admin proxy:deploy --timeout 5m'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('admin.proxy.deploy', opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}, { timeoutSeconds: '--timeout' });
        const ports = `HTTP on port ${r.httpPort}${r.httpsPort !== undefined ? `, HTTPS on port ${r.httpsPort}` : ''}`;
        ctx.io.result(r, () =>
          r.changed
            ? `${r.service} (${r.image}) is serving ${ports} on ${r.tasks} manager(s)`
            : `${r.service} is unchanged: ${r.image}, ${ports}, on ${r.tasks} manager(s)`,
        );
      }),
    );
};
