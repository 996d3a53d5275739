/** app.deploy: roll the app to an image tag with its current secrets and settings. */
import { appSettingsSchema, type AppSettings } from '../../core/app-settings.ts';
import { FutuswarmError } from '../../core/errors.ts';
import { mergePlacement } from '../../core/placement.ts';
import type { OpArgs } from '../../protocol.ts';
import { defineOp, type OpContext } from '../op.ts';
import { loadApp, rollOut, unchangedRollout, type DesiredState } from '../release.ts';
import { checkOwnRepository } from '../registry.ts';
import { exposedPorts } from '../image-ports.ts';
import { portMismatch } from '../../core/image-ports.ts';
import { LABEL } from '../../core/service-labels.ts';

export default defineOp({
  op: 'app.deploy',
  access: 'deploy',
  mutating: true,
  handle: async (ctx, args) => {
    const desired = await desiredState(ctx, args);
    // Said before the release goes live: a port the image does not expose is most often a typo.
    const mismatch = portMismatch(desired.imageRef, desired.settings.port, await exposedPorts(ctx, desired.imageRef));
    if (mismatch) ctx.progress('port', mismatch);
    return rollOut(ctx, desired);
  },
  // A deploy of what already runs answers "no changes" from reads alone, without the lock.
  unchanged: async (ctx, args) => {
    if (args.dryRun) return undefined;
    const desired = desiredState(ctx, args);
    desired.catch(() => undefined); // the locked path reads again, and says what is wrong
    // Another image than the one running is a change, whatever the rest would say: Docker tells
    // that before S3 has answered.
    const running = await (await ctx.docker()).findService(args.app);
    if (running?.labels[LABEL.image] !== imageRefOf(args)) return undefined;
    return unchangedRollout(ctx, await desired);
  },
});

function imageRefOf(args: OpArgs<'app.deploy'>): string {
  return args.digest ? `${args.image}@${args.digest}` : `${args.image}:${args.tag ?? 'latest'}`;
}

async function desiredState(ctx: OpContext, args: OpArgs<'app.deploy'>): Promise<DesiredState> {
  const imageRef = imageRefOf(args);
  checkOwnRepository(ctx.config, args.app, imageRef);
  // Where the release may run is decided from the nodes: listed while the app is read.
  const nodes = ctx.docker().then((docker) => docker.listNodes());
  nodes.catch(() => undefined); // unread when the request fails first
  const current = await loadApp(ctx, args.app);
  const previous = current.settings;
  const port = args.port ?? previous?.port;
  if (port === undefined) {
    const exposed = await exposedPorts(ctx, imageRef);
    const suggested = exposed?.[0];
    throw new FutuswarmError('invalid_input', `${args.app} is a new app: say which port it listens on`, {
      hint: suggested === undefined
        ? `futuswarm app:deploy -n ${args.app} -i ${imageRef} --port 8080`
        : `the image exposes ${exposed!.length === 1 ? 'port' : 'ports'} ${exposed!.join(', ')}: futuswarm app:deploy -n ${args.app} -i ${imageRef} --port ${suggested}`,
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
    nodes,
    secrets: current.secrets,
    ...(args.dryRun ? { dryRun: true } : {}),
    ...(args.timeoutSeconds ? { timeoutSeconds: args.timeoutSeconds } : {}),
  };
}
