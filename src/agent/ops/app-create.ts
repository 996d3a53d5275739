/**
 * app.create: make an app before any code runs, so its database, cache, secrets, domains and
 * owners can be attached first and its first deploy starts with everything present. The caller
 * becomes its owner (serve() claims the name before this runs, as for a first deploy).
 */
import { FutuswarmError } from '../../core/errors.ts';
import { appUrl } from '../../core/service-spec.ts';
import { clusterInfo } from '../../config/agent-config.ts';
import { defineOp } from '../op.ts';
import { checkManaged } from '../release.ts';

export default defineOp({
  op: 'app.create',
  access: 'deploy',
  mutating: true,
  async handle(ctx, args) {
    const state = await ctx.state();
    const [record, settings, service] = await Promise.all([
      state.apps.get(args.app),
      state.settings.get(args.app),
      ctx.docker().then((d) => d.findService(args.app)),
    ]);
    checkManaged(args.app, service?.labels);
    if (record !== undefined || settings !== undefined || service !== undefined) throw exists(args.app, record?.record);
    const created = await state.apps.create(args.app, ctx.user);
    if (!created.created) throw exists(args.app, created.record);
    const owners = (await state.owners.get(args.app))?.owners ?? [ctx.user];
    ctx.progress('created', `created ${args.app}; it runs nothing until its first deploy`);
    return {
      app: args.app,
      createdBy: created.record.createdBy,
      createdAt: created.record.createdAt,
      owners,
      url: appUrl(args.app, clusterInfo(ctx.config)),
    };
  },
});

function exists(app: string, record: { createdBy: string; createdAt: string } | undefined): FutuswarmError {
  const since = record ? ` (created by ${record.createdBy} at ${record.createdAt})` : '';
  return new FutuswarmError('conflict', `an app named ${app} already exists${since}`, {
    hint: `futuswarm app:inspect -n ${app} shows it; pick another name for a new app`,
  });
}
