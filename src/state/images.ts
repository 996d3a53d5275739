/**
 * What was pushed into each app's repository of the cluster registry: one small JSON object per
 * app (`images/<app>`), a list of manifests with their tags, size, who pushed them and when.
 * The agent's push relay records each manifest as the registry accepts it; `app:images` reads
 * it and `--prune` trims it. A tag names one manifest: pushing it again moves it.
 */
import * as z from 'zod';
import type { ObjectStore } from '../aws/state-store.ts';
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { appName, imageDigest, imageTag, userName } from '../core/names.ts';
import { putJson } from './json.ts';

export const IMAGES_PREFIX = 'images/';
export const imagesKey = (app: string): string => `${IMAGES_PREFIX}${app}`;
/** Records kept per app, newest first; older ones drop off the list (not out of the registry). */
const MAX_RECORDS = 500;

export const imageRecordSchema = z.strictObject({
  digest: imageDigest,
  tags: z.array(imageTag).default([]),
  /** Bytes of the config and layers the manifest names (what a node pulls at most). */
  size: z.number().int().min(0),
  mediaType: z.string().max(200),
  pushedBy: userName,
  pushedAt: z.iso.datetime(),
});
export type ImageRecord = z.output<typeof imageRecordSchema>;

const documentSchema = z.strictObject({ images: z.array(imageRecordSchema) });

export class ImageRecords {
  readonly #store: ObjectStore;
  readonly #now: () => Date;

  constructor(store: ObjectStore, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#now = now;
  }

  /** The app's pushed manifests, newest first. */
  async list(app: string): Promise<ImageRecord[]> {
    return (await this.#read(app)).images;
  }

  /** Record a manifest the registry accepted; `tag` moves to it from any other. */
  async recordPush(app: string, push: { digest: string; tag?: string | undefined; size: number; mediaType: string; user: string }): Promise<ImageRecord> {
    return this.#change(app, (images) => {
      const now = this.#now().toISOString();
      const others = images
        .filter((i) => i.digest !== push.digest)
        .map((i) => (push.tag && i.tags.includes(push.tag) ? { ...i, tags: i.tags.filter((t) => t !== push.tag) } : i));
      const before = images.find((i) => i.digest === push.digest);
      const record = parseWith(imageRecordSchema, {
        digest: push.digest,
        tags: [...new Set([...(push.tag ? [push.tag] : []), ...(before?.tags ?? [])])],
        size: push.size,
        mediaType: push.mediaType,
        pushedBy: push.user,
        pushedAt: now,
      }, 'image record');
      return { images: [record, ...others].slice(0, MAX_RECORDS), result: record };
    });
  }

  /** Forget these manifests (they were deleted from the registry). */
  async forget(app: string, digests: readonly string[]): Promise<void> {
    const gone = new Set(digests);
    await this.#change(app, (images) => ({ images: images.filter((i) => !gone.has(i.digest)), result: undefined }));
  }

  /** Delete every version of the app's list (app:remove --purge). */
  async purge(app: string): Promise<void> {
    for (const v of await this.#store.versions(imagesKey(parseWith(appName, app, 'app')))) {
      await this.#store.delete(v.key, { versionId: v.versionId });
    }
  }

  async #read(app: string): Promise<{ images: ImageRecord[]; etag?: string }> {
    const object = await this.#store.get(imagesKey(parseWith(appName, app, 'app')));
    if (!object) return { images: [] };
    let data: unknown;
    try {
      data = JSON.parse(object.body.toString('utf8'));
    } catch {
      throw new FutuswarmError('protocol', `images of ${app}: stored object is not JSON`);
    }
    return { images: parseWith(documentSchema, data, `images of ${app}`, { code: 'protocol' }).images, etag: object.etag };
  }

  /** Read, change, write with the ETag read; a concurrent push makes it read again. */
  async #change<R>(app: string, change: (images: ImageRecord[]) => { images: ImageRecord[]; result: R }): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.#read(app);
      const next = change(current.images);
      try {
        await putJson(this.#store, imagesKey(app), { images: next.images }, current.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
        return next.result;
      } catch (e) {
        if (!isFutuswarmError(e) || e.code !== 'conflict' || attempt >= 8) throw e;
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
      }
    }
  }
}
