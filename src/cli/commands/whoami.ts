import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { renderFields } from '../table.ts';
import type { WhoamiResult } from '../../results/people.ts';

const SOURCES: Record<WhoamiResult['source'], string> = {
  ldap: 'LDAP',
  'users-file': 'the users file',
  config: "the agent config's admins: list only",
};

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .addHelpText('after', '\nThe manager names you by the SSH key you connect with: your LDAP entry, or the users file.\n')
    .addHelpText('after', examples('futuswarm whoami', 'futuswarm --context prod whoami --json'))
    .action(
      action(async (ctx) => {
        const r = await ctx.agent('whoami', {});
        if (r.warning && ctx.io.mode !== 'json') ctx.io.warn(r.warning);
        ctx.io.result(r, () =>
          renderFields([
            ['user', r.user],
            ['cluster', r.cluster],
            ['from', SOURCES[r.source] ?? r.source],
            ['groups', r.groups.length > 0 ? r.groups.join(', ') : '(none)'],
            ['admin', r.admin ? `yes (${r.adminVia.join('; ')})` : 'no'],
          ]),
        );
      }),
    );
};
