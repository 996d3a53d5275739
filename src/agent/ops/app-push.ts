/**
 * app.push: a push into an app's repository of the cluster registry. Authorized like a deploy
 * (owners and admins; anyone for a new name, who becomes its owner) before Docker uploads a
 * byte; then the channel carries the caller's Docker connections to the registry
 * (src/agent/push-relay.ts) until the caller ends it.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { REGISTRY_LABEL, REGISTRY_SERVICE } from '../../core/registry-spec.ts';
import { defineOp, RELAYED } from '../op.ts';
import { relayRegistry } from '../push-relay.ts';
import { clusterRegistry } from '../registry.ts';
import { pruneImages } from './app-images.ts';

export default defineOp({
  op: 'app.push',
  access: 'deploy',
  mutating: false,
  audit: true,
  async handle(ctx, args) {
    const state = await ctx.state();
    // Fails with the next step when the cluster has no registry yet.
    const docker = await ctx.docker();
    const [credentials, record, images, registry] = await Promise.all([
      state.registryCredentials.read(),
      state.apps.get(args.app),
      state.images.list(args.app),
      docker.findService(REGISTRY_SERVICE),
    ]);
    const readOnlySince = registry?.labels[REGISTRY_LABEL.readOnlySince];
    if (readOnlySince !== undefined) throw registryReadOnly(readOnlySince);
    if (!record && images.length === 0 && !(await docker.findService(args.app))) {
      // A push may be an app's first act: give it a record, as app:create would.
      await state.apps.create(args.app, ctx.user);
    }
    // The automatic limit: old pushes that no recent release runs go before new ones come.
    const keep = ctx.config.registry.keepImages;
    if (images.length > keep) {
      await pruneImages(ctx, args.app, { keep, dryRun: false }).catch((e: Error) => ctx.progress('prune', `warning: could not prune old images: ${e.message}`));
    }
    const input = ctx.channel.raw();
    ctx.emit({ type: 'relay', registry: clusterRegistry(ctx.config), repository: args.app });
    await relayRegistry({
      app: args.app,
      input,
      output: ctx.channel.output,
      registry: { host: '127.0.0.1', port: ctx.config.registry.port },
      authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
      onManifest: async (push) => {
        await state.images.recordPush(args.app, { ...push, user: ctx.user });
      },
    });
    return RELAYED;
  },
});

/** Refused before a byte is uploaded: the registry takes no writes while garbage is collected. */
export function registryReadOnly(since: string): FutuswarmError {
  return new FutuswarmError('conflict', `the cluster registry is read-only while an admin collects its garbage (since ${since}); nothing was pushed`, {
    hint: 'try again in a minute; if no futuswarm admin registry:gc is running, an admin makes it writable again with: futuswarm admin registry:deploy',
  });
}
