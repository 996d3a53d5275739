import type { CommandModule } from '../command.ts';
import { intFlag } from '../command.ts';
import type { ClusterContext } from '../contexts.ts';
import { FutuswarmError, parseWith } from '../../core/errors.ts';
import { renderTable } from '../table.ts';
import { resolve } from 'node:path';
import { examples } from '../help-text.ts';

function requireKnown(contexts: Record<string, unknown>, name: string | undefined): asserts name is string {
  if (!name || !(name in contexts)) {
    throw new FutuswarmError('not_found', `there is no context named ${name}`, { hint: 'futuswarm context list shows the contexts' });
  }
}

/** `--host m1,m2 --host m3` is [m1, m2, m3]; empty items stay, for the schema to name. */
function hostList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',')];
}

function managers(c: ClusterContext): string {
  return `${c.user}@${c.hosts.join(',')}:${c.port}`;
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd.addHelpText(
    'after',
    examples(
      'futuswarm context add prod --host manager-1.example.com,manager-2.example.com,manager-3.example.com --domain apps.example.com --use',
      'futuswarm context add staging --host staging-manager.example.com --domain apps.staging.example.com',
      'futuswarm context list',
      'futuswarm context use staging',
    ),
  );
  cmd
    .command('add')
    .description('add (or replace) a cluster: its managers to SSH to and the domain its apps live under')
    .argument('<name>', 'context name')
    .requiredOption(
      '--host <hosts>',
      'manager host names or addresses, comma-separated or the option repeated, tried in order (anything ~/.ssh/config knows works)',
      hostList,
    )
    .option('--port <port>', 'SSH port', intFlag('--port'), 22)
    .option('--user <user>', 'SSH account on the manager', 'futuswarm')
    .requiredOption('--domain <domain>', 'the cluster domain: apps are served at <app>.<domain>')
    .option('--identity-file <path>', 'SSH private key to use (default: your ssh config and agent)')
    .option('--known-hosts-file <path>', 'known_hosts file holding the manager host key (default: your own)')
    .option('--use', 'make it the current context')
    .action(
      action(async (ctx, opts, [name]) => {
        const [{ contextName }, { contextSchema }] = await Promise.all([import('../../core/names.ts'), import('../context-schema.ts')]);
        const n = parseWith(contextName, name, 'context name');
        const context = parseWith(
          contextSchema,
          {
            hosts: opts.host,
            port: opts.port,
            user: opts.user,
            domain: opts.domain,
            ...(opts.identityFile ? { identityFile: resolve(opts.identityFile) } : {}),
            ...(opts.knownHostsFile ? { knownHostsFile: resolve(opts.knownHostsFile) } : {}),
          },
          'context',
        );
        const file = await ctx.contexts.read();
        const replaced = n in file.contexts;
        file.contexts[n] = context;
        if (opts.use || file.current === undefined) file.current = n;
        await ctx.contexts.write(file);
        ctx.io.result({ name: n, ...context, current: file.current === n }, () =>
          `${replaced ? 'replaced' : 'added'} context ${n} (${managers(context)}, *.${context.domain})${file.current === n ? ', now current' : ''}`,
        );
      }),
    );

  cmd
    .command('use')
    .description('make a context the current one')
    .argument('<name>', 'context name')
    .action(
      action(async (ctx, _opts, [name]) => {
        const file = await ctx.contexts.read();
        requireKnown(file.contexts, name);
        file.current = name;
        await ctx.contexts.write(file);
        ctx.io.result({ current: name }, () => `now using ${name}`);
      }),
    );

  cmd
    .command('list')
    .description('list the contexts')
    .action(
      action(async (ctx) => {
        const file = await ctx.contexts.read();
        const current = process.env.FUTUSWARM_CONTEXT ?? file.current;
        const rows = Object.entries(file.contexts).map(([name, c]) => ({ name, current: name === current, ...c }));
        ctx.io.result({ current, contexts: rows }, () =>
          rows.length === 0
            ? 'No contexts. Add one: futuswarm context add <name> --host <manager> --domain <domain>'
            : renderTable(['', 'NAME', 'MANAGERS', 'DOMAIN'], rows.map((r) => [r.current ? '*' : '', r.name, managers(r), r.domain]), { whole: ['NAME'] }),
        );
      }),
    );

  cmd
    .command('remove')
    .description('forget a context')
    .argument('<name>', 'context name')
    .action(
      action(async (ctx, _opts, [name]) => {
        const file = await ctx.contexts.read();
        requireKnown(file.contexts, name);
        delete file.contexts[name];
        if (file.current === name) delete file.current;
        await ctx.contexts.write(file);
        ctx.io.result({ removed: name }, () => `removed context ${name}`);
      }),
    );
};
