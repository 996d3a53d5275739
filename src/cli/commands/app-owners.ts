import type { CommandModule } from '../command.ts';
import { FutuswarmError } from '../../core/errors.ts';
import type { OwnersResult } from '../../results/people.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .argument('[action]', 'add or remove (without it: list the owners)')
    .argument('[user]', 'who to add or remove: an LDAP uid or a users-file name')
    .addHelpText(
      'after',
      '\nOwners deploy, configure and remove their app; whoever deploys a new app first owns it.\n' +
        'Owners and admins add and remove owners; an app always keeps at least one.\n\n' +
        'Examples:\n  futuswarm app:owners -n shop\n  futuswarm app:owners add -n shop bob\n  futuswarm app:owners remove -n shop bob\n',
    )
    .action(
      action(async (ctx, opts, operands) => {
        const [verb, user] = operands;
        const app = opts.name;
        let r: OwnersResult;
        if (verb === undefined) {
          r = await ctx.agent('app.owners', { app }, { app: '--name' });
        } else if (verb === 'add' || verb === 'remove') {
          if (user === undefined) throw new FutuswarmError('invalid_input', `say whom to ${verb}: futuswarm app:owners ${verb} -n ${app} USER`);
          r = await ctx.agent(verb === 'add' ? 'app.owners.add' : 'app.owners.remove', { app, user }, { app: '--name', user: 'USER' });
        } else {
          throw new FutuswarmError('invalid_input', `"${verb}" is not add or remove`, { hint: `futuswarm app:owners add -n ${app} USER` });
        }
        ctx.io.result(r, () => {
          if (verb === undefined) {
            if (r.owners.length === 0) return `${r.app} has no owners`;
            return `${r.app} is owned by ${r.owners.join(', ')}${r.createdBy ? ` (created by ${r.createdBy} at ${r.createdAt})` : ''}`;
          }
          const done = r.changed === false ? `${user} already owns ${r.app}` : `${verb === 'add' ? 'added' : 'removed'} ${user}`;
          return `${done}; owners of ${r.app}: ${r.owners.join(', ')}`;
        });
      }),
    );
};
