import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { renderTable } from '../table.ts';

interface ReleasesResult {
  app: string;
  live: number | null;
  releases: { n: number; live: boolean; image: string; imageId: string | null; secretsVersion: string | null; user: string; time: string; note: string | null }[];
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .addHelpText('after', examples('futuswarm app:releases -n shop', 'futuswarm app:rollback -n shop --to 12   # run one of them again'))
    .action(
    action(async (ctx, opts) => {
      const r = (await ctx.agent('app.releases', { app: String(opts.name) }, { app: '--name' })) as ReleasesResult;
      ctx.io.result(r, () =>
        r.releases.length === 0
          ? `${r.app} has no releases yet`
          : renderTable(
              ['', 'RELEASE', 'IMAGE', 'IMAGE ID', 'SECRETS', 'WHO', 'WHEN', 'NOTE'],
              r.releases.map((x) => [x.live ? '*' : '', String(x.n), x.image, (x.imageId ?? '').replace('sha256:', '').slice(0, 12), x.secretsVersion ?? '-', x.user, x.time, x.note ?? '']),
            ),
      );
    }),
  );
};
