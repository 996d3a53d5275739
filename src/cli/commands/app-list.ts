import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { renderTable } from '../table.ts';
import { relativeTime } from '../../core/relative-time.ts';
import type { ListResult } from '../../results/app.ts';

/** The apps table, times relative to now; what to do when there are none. */
export function renderAppList(r: ListResult, now: number): string {
  if (r.apps.length === 0) return 'No apps yet. Deploy one: futuswarm app:deploy -n <app> -i <image> -t <tag> --port <port>';
  return renderTable(
    ['APP', 'RELEASE', 'IMAGE', 'TASKS', 'UPDATED', 'URL'],
    r.apps.map((a) => (a.deployed
      ? [a.app, String(a.release), a.image, `${a.running}/${a.desired}`, relativeTime(a.updatedAt, now), a.url]
      : [a.app, '-', '(created, not deployed)', '-', relativeTime(a.updatedAt, now), a.url])),
    { whole: ['APP'] },
  );
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .addHelpText('after', '\nUPDATED is when the app\'s service last changed (a deploy, rollback, scale or restart), or when an app not\nyet deployed was created.\n')
    .addHelpText('after', examples('futuswarm app:list', 'futuswarm app:list --json'))
    .action(
      action(async (ctx) => {
        const result = await ctx.agent('app.list', {});
        ctx.io.result(result, () => renderAppList(result, Date.now()));
      }),
    );
};
