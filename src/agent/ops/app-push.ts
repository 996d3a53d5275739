/**
 * app.push.start and app.push.relay: a push into an app's repository of the cluster registry.
 * `start` is the authorization a person sees (deploy access: owners and admins, or anyone for
 * a new name), made before Docker uploads a byte; `relay` carries one of Docker's connections
 * (src/agent/push-relay.ts) and is checked the same way.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { RELAY_STEP } from '../../protocol.ts';
import { clientChannel } from '../client-channel.ts';
import { defineOp, RELAYED } from '../op.ts';
import { relayRegistry } from '../push-relay.ts';
import { clusterRegistry } from '../registry.ts';
import { pruneImages } from './app-images.ts';

export const pushStart = defineOp({
  op: 'app.push.start',
  access: 'deploy',
  mutating: false,
  audit: true,
  async handle(ctx, args) {
    const state = await ctx.state();
    // Fails with the next step when the cluster has no registry yet.
    await state.registryCredentials.read();
    if (!(await state.apps.get(args.app)) && !(await (await ctx.docker()).findService(args.app))) {
      // A push may be an app's first act: give it a record, as app:create would.
      await state.apps.create(args.app, ctx.user);
    }
    // The automatic limit: old pushes that no recent release runs go before new ones come.
    const keep = ctx.config.registry.keepImages;
    if ((await state.images.list(args.app)).length > keep) {
      await pruneImages(ctx, args.app, { keep, dryRun: false }).catch((e: Error) => ctx.progress('prune', `warning: could not prune old images: ${e.message}`));
    }
    return { app: args.app, registry: clusterRegistry(ctx.config), repository: args.app };
  },
});

export const pushRelay = defineOp({
  op: 'app.push.relay',
  access: 'app',
  mutating: false,
  async handle(ctx, args) {
    const state = await ctx.state();
    const credentials = await state.registryCredentials.read().catch((e: unknown) => {
      throw e instanceof FutuswarmError ? e : new FutuswarmError('unavailable', 'the registry login cannot be read');
    });
    const input = clientChannel().raw();
    ctx.progress(RELAY_STEP, `relaying to the registry for ${args.app}`);
    await relayRegistry({
      app: args.app,
      input,
      output: process.stdout,
      registry: { host: '127.0.0.1', port: ctx.config.registry.port },
      authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
      onManifest: async (push) => {
        await state.images.recordPush(args.app, { ...push, user: ctx.user });
      },
    });
    return RELAYED;
  },
});
