/**
 * app.links: which other apps' networks an app's tasks join, so it reaches them by name
 * (src/core/app-networks.ts). Linking reaches into the other app, so the caller must manage
 * both; unlinking only gives up access, so managing the app itself is enough. The new links
 * roll out like app:scale: same image, environment and settings, new networks.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { MAX_LINKS } from '../../core/app-settings.ts';
import { appNetworkName } from '../../core/app-networks.ts';
import { appExists, listPeople, mayManage } from '../acl.ts';
import { appsLinkingTo } from '../app-networks.ts';
import { loadLiveApp } from '../live-app.ts';
import { defineOp, type OpContext } from '../op.ts';
import { rollOut } from '../release.ts';

export default defineOp({
  op: 'app.links',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    const live = await loadLiveApp(ctx, args.app);
    const docker = await ctx.docker();
    const before = live.desired.settings.links ?? [];
    const add = [...new Set(args.add ?? [])].filter((a) => !before.includes(a));
    const remove = (args.remove ?? []).filter((a) => before.includes(a));
    if (add.length === 0 && remove.length === 0) {
      return { app: args.app, links: before, linkedFrom: await appsLinkingTo(docker, args.app), changed: false };
    }
    for (const other of add) await checkLinkable(ctx, args.app, other);
    const links = [...before.filter((a) => !remove.includes(a)), ...add].sort();
    if (links.length > MAX_LINKS) {
      throw new FutuswarmError('invalid_input', `${args.app} would link to ${links.length} apps; at most ${MAX_LINKS} are allowed`, {
        hint: `unlink what it no longer needs: futuswarm app:unlink -n ${args.app} --from APP`,
      });
    }
    const { links: _old, ...rest } = live.desired.settings;
    const result = await rollOut(ctx, {
      ...live.desired,
      settings: links.length > 0 ? { ...rest, links } : rest,
      ...(args.timeoutSeconds ? { timeoutSeconds: args.timeoutSeconds } : {}),
    });
    for (const other of add) ctx.progress('linked', `${args.app} reaches ${other} by the name ${other}, on the network ${appNetworkName(other)}`);
    return { app: args.app, links, linkedFrom: await appsLinkingTo(docker, args.app), changed: true, release: result.release };
  },
});

async function checkLinkable(ctx: OpContext, app: string, other: string): Promise<void> {
  if (other === app) throw new FutuswarmError('invalid_input', `${app} cannot link to itself: its tasks already reach each other as ${app}`);
  if (!(await appExists(ctx, other))) {
    throw new FutuswarmError('not_found', `there is no app named ${other}`, { hint: 'futuswarm app:list shows the apps' });
  }
  if (!(await mayManage(ctx, other))) {
    const owners = (await (await ctx.state()).owners.get(other))?.owners ?? [];
    throw new FutuswarmError('forbidden', `forbidden: linking ${app} to ${other} lets ${app} reach ${other}, so it takes an owner of both, and ${other} is owned by ${listPeople(owners) || 'nobody'}`, {
      hint: `ask an owner of ${other}: futuswarm app:owners add -n ${other} ${ctx.user}, or to link it: futuswarm app:link -n ${app} --to ${other}`,
      details: { app: other, owners },
    });
  }
}
