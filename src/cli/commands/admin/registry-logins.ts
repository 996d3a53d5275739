/** `admin registry:add`, `registry:list`, `registry:remove`: logins for external private registries. */
import type { Command } from '@commander-js/extra-typings';
import type { ActionWrapper } from '../../command.ts';
import { FutuswarmError } from '../../../core/errors.ts';
import { examples } from '../../help-text.ts';
import { readSecretLine } from '../../prompt.ts';
import { fitLine, renderTable } from '../../table.ts';
import { relativeTime } from '../../../core/relative-time.ts';

export function registerAdd(cmd: Command, action: ActionWrapper): void {
  cmd
    .argument('<host>', 'the registry, as image references name it: registry.example.com or host:port')
    .requiredOption('-u, --username <user>', 'the login\'s user name')
    .option('--password-stdin', 'read the password from standard input (else asked for on a terminal)')
    .addHelpText(
      'after',
      '\nThe login is tried against the registry first (a wrong password is said now), then sealed in the\n' +
        'state bucket. Every deploy of an image from HOST passes it to Swarm, so every node can pull.\n',
    )
    .addHelpText('after', examples('futuswarm admin registry:add registry.example.com -u deploy --password-stdin < password.txt'))
    .action(
      action(async (ctx, opts, [host]) => {
        const password = (await readSecretLine(`password for ${opts.username} at ${host}: `))?.replace(/\r?\n$/, '');
        if (!password) throw new FutuswarmError('invalid_input', 'no password given', { hint: 'pipe it in with --password-stdin' });
        const r = await ctx.agent('admin.registry.add', { host: host ?? '', username: opts.username, password }, { host: 'HOST', username: '--username' });
        ctx.io.result(r, () => `${r.replaced ? 'replaced the' : 'stored a'} login of ${r.username} for ${r.host}; deploys of ${r.host}/… pull with it`);
      }),
    );
}

export function registerList(cmd: Command, action: ActionWrapper): void {
  cmd.addHelpText('after', examples('futuswarm admin registry:list')).action(
    action(async (ctx) => {
      const r = await ctx.agent('admin.registry.list', {});
      ctx.io.result(r, () =>
        `${fitLine(`cluster registry: ${r.cluster} on every node (app:push)`)}\n` +
        (r.registries.length === 0
          ? 'no external registries (futuswarm admin registry:add HOST -u USER --password-stdin)'
          : renderTable(['REGISTRY', 'USER', 'ADDED BY', 'WHEN'], r.registries.map((x) => [x.host, x.username, x.addedBy, relativeTime(x.addedAt, Date.now())]))),
      );
    }),
  );
}

export function registerRemove(cmd: Command, action: ActionWrapper): void {
  cmd
    .argument('<host>', 'the registry whose login to forget')
    .addHelpText('after', examples('futuswarm admin registry:remove registry.example.com'))
    .action(
      action(async (ctx, _opts, [host]) => {
        const r = await ctx.agent('admin.registry.remove', { host: host ?? '' }, { host: 'HOST' });
        ctx.io.result(r, () => `forgot the login for ${r.host}; running services keep pulling with the login they were deployed with until their next deploy`);
      }),
    );
}
