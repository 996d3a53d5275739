/** app.deploy: roll the app to an image tag with its current secrets and settings. */
import { appSettingsSchema, type AppSettings } from '../../core/app-settings.ts';
import { FutuswarmError } from '../../core/errors.ts';
import { mergePlacement } from '../../core/placement.ts';
import type { OpArgs } from '../../protocol.ts';
import { defineOp, type OpContext } from '../op.ts';
import { loadApp, rollOut, unchangedRollout, type DesiredState } from '../release.ts';
import { checkOwnRepository } from '../registry.ts';

export default defineOp({
  op: 'app.deploy',
  access: 'deploy',
  mutating: true,
  handle: async (ctx, args) => rollOut(ctx, await desiredState(ctx, args)),
  // A deploy of what already runs answers "no changes" from reads alone, without the lock.
  unchanged: async (ctx, args) => (args.dryRun ? undefined : unchangedRollout(ctx, await desiredState(ctx, args))),
});

async function desiredState(ctx: OpContext, args: OpArgs<'app.deploy'>): Promise<DesiredState> {
  const imageRef = args.digest ? `${args.image}@${args.digest}` : `${args.image}:${args.tag ?? 'latest'}`;
  checkOwnRepository(ctx.config, args.app, imageRef);
  const current = await loadApp(ctx, args.app);
  const previous = current.settings;
  const port = args.port ?? previous?.port;
  if (port === undefined) {
    throw new FutuswarmError('invalid_input', `${args.app} is a new app: say which port it listens on`, {
      hint: `futuswarm app:deploy -n ${args.app} -i ${imageRef} --port 8080`,
    });
  }
  const health = args.health ? { ...previous?.health, ...args.health } : previous?.health;
  const placement = mergePlacement(previous?.placement, { constraints: args.constraints, spread: args.spread });
  const { placement: _stored, ...kept } = previous ?? (current.record ? { domains: current.record.record.domains } : {});
  const settings: AppSettings = appSettingsSchema.parse({
    // A created app's first deploy starts from what was attached to it meanwhile.
    ...kept,
    ...(placement ? { placement } : {}),
    port,
    replicas: args.replicas ?? previous?.replicas ?? 1,
    ...(args.limits ? { limits: args.limits } : {}),
    ...(health ? { health } : {}),
    ...(args.internal !== undefined ? { internal: args.internal } : {}),
  });
  return {
    app: args.app,
    image: args.image,
    imageRef,
    tag: args.tag,
    settings,
    storedSettings: previous,
    settingsEtag: current.settingsEtag,
    service: current.service,
    secrets: current.secrets,
    ...(args.dryRun ? { dryRun: true } : {}),
    ...(args.timeoutSeconds ? { timeoutSeconds: args.timeoutSeconds } : {}),
  };
}
