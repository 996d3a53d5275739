/** Image records (what was pushed per app) on a real versioned S3 bucket in moto. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureStateBucket, s3ObjectStore } from '../../src/aws/state-store.ts';
import { ImageRecords } from '../../src/state/images.ts';
import { uniqueName, useMoto } from '../helpers/moto.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('ImageRecords on S3 (moto)', () => {
  let images: ImageRecords;
  before(async () => {
    useMoto();
    const bucket = uniqueName('fs-images');
    await ensureStateBucket(bucket);
    images = new ImageRecords(s3ObjectStore(bucket));
  });

  it('records pushes newest first; a tag moves to the manifest pushed last', async () => {
    await images.recordPush('shop', { digest: digest('a'), tag: '1', size: 10, mediaType: 'm', user: 'alice' });
    await images.recordPush('shop', { digest: digest('b'), tag: '1', size: 20, mediaType: 'm', user: 'bob' });
    await images.recordPush('shop', { digest: digest('a'), tag: 'old', size: 10, mediaType: 'm', user: 'alice' });
    const list = await images.list('shop');
    assert.deepEqual(list.map((i) => [i.digest, i.tags, i.pushedBy]), [
      [digest('a'), ['old'], 'alice'],
      [digest('b'), ['1'], 'bob'],
    ]);
  });

  it('keeps every push when many land at once (conditional writes, retried)', async () => {
    await Promise.all(['c', 'd', 'e', 'f'].map((c) => images.recordPush('blog', { digest: digest(c), tag: c, size: 1, mediaType: 'm', user: 'carol' })));
    assert.deepEqual((await images.list('blog')).map((i) => i.tags[0]).sort(), ['c', 'd', 'e', 'f']);
  });

  it('forgets deleted manifests, and purges the whole list', async () => {
    await images.forget('blog', [digest('c'), digest('d')]);
    assert.deepEqual((await images.list('blog')).map((i) => i.tags[0]).sort(), ['e', 'f']);
    await images.purge('blog');
    assert.deepEqual(await images.list('blog'), []);
  });
});
