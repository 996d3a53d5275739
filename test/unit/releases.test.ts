/** Release records over a state bucket in memory: numbers are taken once and never given again. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseView } from '../../src/agent/ops/app-releases.ts';
import { renderRollbackSecrets } from '../../src/cli/commands/app-rollback.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { releaseSchema, Releases } from '../../src/state/releases.ts';
import { stateKeys } from '../../src/state/keys.ts';
import { MemoryStore } from '../helpers/memory-store.ts';

const input = {
  image: 'acme/shop',
  tag: '1.4',
  secretsVersion: 'v1',
  settingsHash: 'sha256:x',
  settings: { port: 8000, replicas: 1 },
  user: 'alice',
  time: '2025-01-01T00:00:00.000Z',
};

describe('releases', () => {
  it('a rollout takes its number before it starts, and it stays taken when the release fails', async () => {
    const releases = new Releases(new MemoryStore());
    const first = await releases.start('shop', input);
    assert.deepEqual([first.release.n, first.release.status], [1, 'started']);
    assert.equal((await releases.finish('shop', first, { status: 'deployed' })).status, 'deployed');
    const second = await releases.start('shop', { ...input, tag: '1.5' });
    await releases.finish('shop', second, { status: 'failed', failure: 'the container exited with code 1' });
    assert.equal(await releases.next('shop'), 3);
    assert.deepEqual(
      (await releases.list('shop')).map((r) => [r.n, r.status, r.failure]),
      [[2, 'failed', 'the container exited with code 1'], [1, 'deployed', undefined]],
    );
  });

  it('a release whose end was never recorded keeps its number too', async () => {
    const releases = new Releases(new MemoryStore());
    await releases.start('shop', input);
    assert.equal((await releases.start('shop', input)).release.n, 2);
    assert.deepEqual((await releases.list('shop')).map((r) => r.status), ['started', 'started']);
  });

  it('the number is at least the floor (the live service\'s release + 1), and a number taken meanwhile is skipped', async () => {
    const store = new MemoryStore();
    const releases = new Releases(store);
    assert.equal((await releases.start('shop', input, 7)).release.n, 7);
    // Another writer took 8 between the listing and the write.
    const original = store.list.bind(store);
    store.list = async (prefix) => (await original(prefix)).filter((o) => !o.key.endsWith('/8'));
    await store.put(stateKeys.release('shop', 8), '{}', { ifNoneMatch: '*' });
    assert.equal((await releases.start('shop', input)).release.n, 9);
  });

  it('a floor known to be next is taken without listing the releases; taken, the listing decides', async () => {
    const store = new MemoryStore();
    const releases = new Releases(store);
    for (let i = 0; i < 3; i++) await releases.start('shop', input);
    const original = store.list.bind(store);
    let listings = 0;
    store.list = async (prefix, options) => {
      listings++;
      return original(prefix, options);
    };
    assert.equal((await releases.start('shop', input, 4, { floorIsNext: true })).release.n, 4);
    assert.equal(listings, 0);
    // The live release is 2, but 3 and 4 failed meanwhile: the next free number, never a taken one.
    assert.equal((await releases.start('shop', input, 3, { floorIsNext: true })).release.n, 5);
    assert.equal(listings, 1);
  });

  it('recording the end needs the record as it was started', async () => {
    const releases = new Releases(new MemoryStore());
    const started = await releases.start('shop', input);
    await releases.finish('shop', started, { status: 'deployed' });
    await assert.rejects(releases.finish('shop', started, { status: 'failed', failure: 'x' }), (e: unknown) => e instanceof FutuswarmError && e.code === 'conflict');
  });

  it('a first release of a name that never became an app can give its number back', async () => {
    const releases = new Releases(new MemoryStore());
    const started = await releases.start('shop', input);
    await releases.forget('shop', started);
    assert.deepEqual(await releases.list('shop'), []);
    assert.equal(await releases.next('shop'), 1);
  });

  it('records from before statuses were kept read as deployed', () => {
    assert.equal(releaseSchema.parse({ ...input, n: 3 }).status, 'deployed');
  });

  it('app:releases shows the status, and why a failed one failed', async () => {
    const failed = releaseSchema.parse({ ...input, n: 2, status: 'failed', failure: 'not converged after 60s (0/1 tasks running)' });
    assert.deepEqual(releaseView(failed, 1), {
      n: 2,
      live: false,
      image: 'acme/shop:1.4',
      imageId: null,
      secretsVersion: 'v1',
      user: 'alice',
      time: '2025-01-01T00:00:00.000Z',
      note: null,
      rollbackOf: null,
      status: 'failed',
      failure: 'not converged after 60s (0/1 tasks running)',
    });
    assert.deepEqual([releaseView(releaseSchema.parse({ ...input, n: 1 }), 1).live, releaseView(releaseSchema.parse({ ...input, n: 1 }), 1).failure], [true, null]);
  });

  it('a rollback\'s dry run names the secrets version it would run, and what becomes of the current one', () => {
    const r = { rollbackOf: 3, secretsVersion: 'v3', currentSecretsVersion: 'v9', restoresSecrets: true };
    assert.equal(renderRollbackSecrets(r), 'secrets: release 3 ran with version v3; the current ones (version v9) would be restored to it');
    assert.equal(renderRollbackSecrets({ ...r, restoresSecrets: false }), 'secrets: release 3 ran with version v3; the current ones hold the same values');
    assert.equal(renderRollbackSecrets({ ...r, secretsVersion: null }), 'secrets: release 3 ran without secrets; the current ones (version v9) would be removed');
    assert.equal(renderRollbackSecrets({ ...r, secretsVersion: null, currentSecretsVersion: null, restoresSecrets: false }), 'secrets: release 3 ran without secrets; the app has none now either');
  });
});
