/**
 * app.images and app.images.prune: what was pushed into an app's repository of the cluster
 * registry, which releases run each image, and deleting what nothing keeps.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { RegistryClient } from '../../registry/client.ts';
import type { ImageEntry, ImagesPruneResult } from '../../results/people.ts';
import { defineOp, type OpContext } from '../op.ts';
import { clusterRegistry, clusterRepository } from '../registry.ts';

export const imagesList = defineOp({
  op: 'app.images',
  access: 'app',
  mutating: false,
  async handle(ctx, args) {
    const { images } = await describe(ctx, args.app);
    return { app: args.app, repository: `${clusterRegistry(ctx.config)}/${args.app}`, images };
  },
});

export const imagesPrune = defineOp({
  op: 'app.images.prune',
  access: 'app',
  mutating: true,
  handle: (ctx, args) => pruneImages(ctx, args.app, { keep: args.keep ?? ctx.config.registry.keepImages, dryRun: args.dryRun === true }),
});

async function describe(ctx: OpContext, app: string): Promise<{ images: ImageEntry[]; releaseDigests: string[] }> {
  const state = await ctx.state();
  const [records, releases] = await Promise.all([state.images.list(app), state.releases.list(app)]);
  // A failed release never ran: it keeps no image, nor a place among the newest releases.
  const ours = releases.filter((r) => clusterRepository(ctx.config, r.image) === app && r.imageDigest && r.status !== 'failed');
  const images = records.map((record) => ({
    ...record,
    reference: `${clusterRegistry(ctx.config)}/${app}@${record.digest}`,
    releases: ours.filter((r) => r.imageDigest === record.digest).map((r) => r.n),
  }));
  return { images, releaseDigests: ours.map((r) => r.imageDigest ?? '') };
}

/** Keeps the newest `keep` pushes and whatever the newest `keep` releases ran; deletes the rest. */
export async function pruneImages(ctx: OpContext, app: string, o: { keep: number; dryRun: boolean }): Promise<ImagesPruneResult> {
  const state = await ctx.state();
  const { images, releaseDigests } = await describe(ctx, app);
  const kept = new Set([...images.slice(0, o.keep).map((i) => i.digest), ...releaseDigests.slice(0, o.keep)]);
  const doomed = images.filter((i) => !kept.has(i.digest));
  if (o.dryRun || doomed.length === 0) {
    ctx.progress('prune', doomed.length === 0 ? `nothing to prune in ${app}: ${images.length} image(s) kept` : `would delete ${doomed.length} of ${images.length} image(s) of ${app}`);
    return { app, deleted: [], wouldDelete: doomed.map((i) => i.digest), kept: images.length - doomed.length, dryRun: o.dryRun };
  }
  const credentials = await state.registryCredentials.read();
  const client = new RegistryClient(`http://${clusterRegistry(ctx.config)}`, credentials);
  const deleted: string[] = [];
  for (const image of doomed) {
    await client.deleteManifest(app, image.digest).catch((e: unknown) => {
      throw e instanceof FutuswarmError ? e : new FutuswarmError('unavailable', `deleting ${app}@${image.digest}: ${(e as Error).message}`);
    });
    deleted.push(image.digest);
    ctx.progress('prune', `deleted ${app}@${image.digest.slice(0, 19)} (${image.tags.join(', ') || 'untagged'})`);
  }
  await state.images.forget(app, deleted);
  return { app, deleted, wouldDelete: [], kept: images.length - deleted.length, dryRun: false };
}

/** Delete every manifest recorded for the app (app:remove --purge); layers go with garbage collection. */
export async function deleteRepository(ctx: OpContext, app: string): Promise<number> {
  const state = await ctx.state();
  const images = await state.images.list(app);
  if (images.length === 0) return 0;
  const credentials = await state.registryCredentials.read();
  const client = new RegistryClient(`http://${clusterRegistry(ctx.config)}`, credentials);
  let deleted = 0;
  for (const image of images) if (await client.deleteManifest(app, image.digest)) deleted++;
  await state.images.purge(app);
  return deleted;
}
