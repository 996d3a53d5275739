/**
 * Many people setting secrets of one app at once, as serve() runs `app.secrets.set`: under the
 * app's lock, waiting for it (`--lock-wait`), each change read-modify-written with If-Match.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureKeyAlias, kmsKeyService } from '../../src/aws/kms.ts';
import { ensureStateBucket, s3ObjectStore } from '../../src/aws/state-store.ts';
import { AppState } from '../../src/agent/app-state.ts';
import { uniqueName, useMoto } from '../helpers/moto.ts';

describe('concurrent secrets writers (moto)', () => {
  let state: AppState;

  before(async () => {
    useMoto();
    const alias = `alias/${uniqueName('fs-writers')}`;
    const key = await ensureKeyAlias(alias);
    const bucket = uniqueName('fs-writers');
    await ensureStateBucket(bucket, { kmsKeyId: key.arn });
    state = new AppState({ store: s3ObjectStore(bucket), keys: kmsKeyService(alias), cluster: uniqueName('c') });
  });

  /** One `app:secrets set -n APP K_i=v_i --lock-wait …` as the agent runs it; `waits` counts who waited. */
  const setUnderLock = (app: string, i: number, waitSeconds: number, waits: number[] = []) =>
    state.locks.hold(
      app,
      { user: 'alice', op: 'app.secrets.set', waitSeconds },
      () => state.secrets.update(app, 'alice', () => ({ set: { [`K_${i}`]: `v_${i}` } })),
      {
        onWait: (holder) => {
          waits.push(i);
          assert.equal(holder.op, 'app.secrets.set');
        },
      },
    );

  it('20 at once with a lock wait: every one stored as its own version, none lost', async () => {
    const app = uniqueName('writers');
    const started = Date.now();
    const waits: number[] = [];
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => setUnderLock(app, i, 60, waits)));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    assert.deepEqual(failed, []);
    const versions = new Set(results.map((r) => (r.status === 'fulfilled' ? r.value.versionId : undefined)));
    assert.equal(versions.size, 20);
    const { values } = await state.secrets.read(app);
    assert.deepEqual(values, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`K_${i}`, `v_${i}`]).sort(([a], [b]) => (a! < b! ? -1 : 1))));
    assert.equal((await state.secrets.history(app)).length, 20);
    assert.equal(await state.locks.status(app), undefined);
    // Each waiter hears once that it waits (the agent tells its caller), however long it polls.
    assert.ok(waits.length >= 1 && new Set(waits).size === waits.length, `waits: ${waits.join(',')}`);
    console.log(`# 20 writers done in ${Date.now() - started} ms`);
  });

  it('without a lock wait the others are refused `locked`, naming the holder, and store nothing', async () => {
    const app = uniqueName('writers');
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => setUnderLock(app, i, 0)));
    const stored = results.filter((r) => r.status === 'fulfilled').length;
    assert.ok(stored >= 1);
    for (const r of results) if (r.status === 'rejected') assert.match(String(r.reason), /is locked by alice/);
    assert.equal(Object.keys((await state.secrets.read(app)).values).length, stored);
  });
});
