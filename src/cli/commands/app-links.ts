/** app:links, app:link and app:unlink: which apps an app reaches by name (src/core/app-networks.ts). */
import type { ActionWrapper, CommandModule } from '../command.ts';
import { durationFlag } from '../command.ts';
import { examples } from '../help-text.ts';
import { rolloutInterrupt } from '../render-deploy.ts';
import type { LinksResult } from '../../results/app.ts';

function show(r: LinksResult): string {
  const lines = [
    r.links.length > 0 ? `${r.app} reaches, by name: ${r.links.join(', ')}` : `${r.app} links to no app`,
    r.linkedFrom.length > 0 ? `linked from: ${r.linkedFrom.join(', ')}` : 'no app links to it',
  ];
  if (r.release !== undefined) lines.push(`release ${r.release} runs with these links`);
  return lines.join('\n');
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('show which apps an app reaches by name (its links) and which apps link to it')
    .requiredOption('-n, --name <app>', 'app name')
    .addHelpText('after', examples('futuswarm app:links -n shop', 'futuswarm app:link -n shop --to catalog', 'futuswarm app:unlink -n shop --from catalog'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.links', { app: opts.name }, { app: '--name' });
        ctx.io.result(r, () => show(r));
      }),
    );
};

interface ChangeOptions {
  name: string;
  timeout?: number | undefined;
  lockWait?: number | undefined;
}

async function changeLinks(ctx: Parameters<Parameters<ActionWrapper>[0]>[0], opts: ChangeOptions, change: { add: string[] } | { remove: string[] }): Promise<void> {
  const r = await ctx.agent(
    'app.links',
    { app: opts.name, ...change, ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}) },
    { app: '--name', add: '--to', remove: '--from', timeoutSeconds: '--timeout' },
    { ...(opts.lockWait !== undefined ? { lockWaitSeconds: opts.lockWait } : {}), interrupt: rolloutInterrupt(opts.name) },
  );
  ctx.io.result(r, () => (r.changed ? show(r) : `${r.app}: no changes\n${show(r)}`));
}

export const link: CommandModule = {
  register: (cmd, action) =>
    cmd
      .description('let an app reach other apps by name: its tasks join their networks (rolls out like app:scale; you must own both)')
      .requiredOption('-n, --name <app>', 'app name')
      .requiredOption('--to <apps...>', 'the apps to reach, e.g. an --internal API')
      .option('--timeout <duration>', 'give up waiting for the rollout after this long (e.g. 5m)', durationFlag('--timeout'))
      .option('--lock-wait <duration>', 'wait this long for another change of the app to finish', durationFlag('--lock-wait'))
      .addHelpText('after', examples('futuswarm app:link -n shop --to catalog', 'futuswarm app:link -n shop --to catalog search'))
      .action(action(async (ctx, opts) => changeLinks(ctx, opts, { add: opts.to }))),
};

export const unlink: CommandModule = {
  register: (cmd, action) =>
    cmd
      .description('stop an app reaching other apps by name: its tasks leave their networks (rolls out like app:scale)')
      .requiredOption('-n, --name <app>', 'app name')
      .requiredOption('--from <apps...>', 'the apps to stop reaching')
      .option('--timeout <duration>', 'give up waiting for the rollout after this long (e.g. 5m)', durationFlag('--timeout'))
      .option('--lock-wait <duration>', 'wait this long for another change of the app to finish', durationFlag('--lock-wait'))
      .addHelpText('after', examples('futuswarm app:unlink -n shop --from catalog'))
      .action(action(async (ctx, opts) => changeLinks(ctx, opts, { remove: opts.from }))),
};
