import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { renderTable } from '../table.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .addHelpText('after', examples('futuswarm app:list', 'futuswarm app:list --json'))
    .action(
      action(async (ctx) => {
        const result = await ctx.agent('app.list', {});
        ctx.io.result(result, () =>
          result.apps.length === 0
            ? 'No apps yet. Deploy one: futuswarm app:deploy -n <app> -i <image> -t <tag> --port <port>'
            : renderTable(
                ['APP', 'RELEASE', 'IMAGE', 'TASKS', 'URL'],
                result.apps.map((a) => (a.deployed
                  ? [a.app, String(a.release), a.image, `${a.running}/${a.desired}`, a.url]
                  : [a.app, '-', '(created, not deployed)', '-', a.url])),
              ),
        );
      }),
    );
};
