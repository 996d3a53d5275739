/**
 * The leader lease of the resident agents (src/state/leadership.ts) and the periodic work it
 * gates (src/agent/periodic.ts), on moto's S3: conditional writes decide who leads.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureKeyAlias } from '../../src/aws/kms.ts';
import { ensureStateBucket, s3ObjectStore, type ObjectStore } from '../../src/aws/state-store.ts';
import { Leadership } from '../../src/state/leadership.ts';
import { Locks } from '../../src/state/locks.ts';
import { startPeriodicWork, type PeriodicJob } from '../../src/agent/periodic.ts';
import type { AppState } from '../../src/agent/app-state.ts';
import { MOTO_ENDPOINT, uniqueName, useMoto } from '../helpers/moto.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the leader lease of the resident agents (moto)', () => {
  const bucket = uniqueName('fs-leader');
  let store: ObjectStore;

  before(async () => {
    useMoto();
    await fetch(`${MOTO_ENDPOINT}/moto-api/`).catch(() => {
      throw new Error(`moto is not running at ${MOTO_ENDPOINT}; start it: moto_server -H 127.0.0.1 -p 5055`);
    });
    await ensureStateBucket(bucket, { kmsKeyId: (await ensureKeyAlias(`alias/${uniqueName('fs-leader')}`)).arn });
    store = s3ObjectStore(bucket);
  });

  it('two agents claiming at the same moment, round after round: never both leaders, and the leader keeps it', async () => {
    const leadership = new Leadership(store);
    const holders = ['m1:100:aa', 'm2:200:bb', 'm3:300:cc'];
    let first: string | undefined;
    for (let round = 0; round < 15; round++) {
      const outcomes = await Promise.all(holders.map((h) => leadership.claim(h, 30)));
      const leaders = holders.filter((_, i) => outcomes[i]!.leader);
      assert.ok(leaders.length <= 1, `round ${round}: ${leaders.join(', ')} all lead`);
      if (round === 0) {
        assert.equal(leaders.length, 1, 'someone takes a lease nobody holds');
        first = leaders[0];
      } else {
        // Renewals by the holder; the others see its lease and stay followers.
        assert.deepEqual(leaders, [first]);
      }
      for (const o of outcomes) assert.equal(o.lease?.holder, first);
    }
    assert.equal(await leadership.resign(first!), true);
  });

  it('a holder that dies keeps the lease until it expires; then another takes it, and the old one cannot renew', async () => {
    const leadership = new Leadership(store);
    assert.equal((await leadership.claim('dead:1:x', 2)).leader, true);
    assert.equal((await leadership.claim('live:2:y', 2)).leader, false);
    await sleep(2200);
    const taken = await leadership.claim('live:2:y', 2);
    assert.equal(taken.leader, true);
    assert.equal(taken.lease?.holder, 'live:2:y');
    // The old holder comes back (it was only paused): its lease is gone, it is a follower.
    assert.equal((await leadership.claim('dead:1:x', 2)).leader, false);
    assert.equal(await leadership.resign('dead:1:x'), false, 'one cannot resign a lease one does not hold');
    assert.equal(await leadership.resign('live:2:y'), true);
  });

  it('a holder that stops cleanly resigns: another takes over at its next try, and only the leader runs jobs', async () => {
    const runs: string[] = [];
    const job: PeriodicJob = { name: 'count', everySeconds: 0.1, run: async () => void runs.push('ran') };
    const state = { leadership: new Leadership(store) } as unknown as AppState;
    const leaders = new Map<string, boolean>();
    const start = (holder: string) =>
      startPeriodicWork({ state: async () => state, holder, log: () => undefined, leaseSeconds: 0.6, jobs: [job], onLeader: (l) => leaders.set(holder, l) });
    const a = start('a:1:1');
    await sleep(300);
    const b = start('b:2:2');
    await sleep(700);
    assert.equal(leaders.get('a:1:1'), true);
    assert.notEqual(leaders.get('b:2:2'), true);
    assert.ok(runs.length >= 2, 'the leader ran its job');
    await a.stop();
    assert.equal(leaders.get('a:1:1'), false);
    const before = runs.length;
    await sleep(500);
    assert.equal(leaders.get('b:2:2'), true, 'the follower took over after the leader resigned');
    assert.ok(runs.length > before, 'the new leader runs the jobs');
    await b.stop();
    assert.equal((await new Leadership(store).current()), undefined);
  });

  it('the clean-up removes an expired app lock, never one that still holds', async () => {
    const locks = new Locks(store);
    const held = await locks.acquire('kept', { user: 'alice', op: 'app.deploy', ttlSeconds: 60 });
    await locks.acquire('stale', { user: 'bob', op: 'app.deploy', ttlSeconds: 1 });
    await sleep(1100);
    assert.equal(await locks.removeExpired('kept'), undefined);
    assert.equal((await locks.removeExpired('stale'))?.user, 'bob');
    assert.equal(await locks.status('stale'), undefined);
    assert.equal((await locks.status('kept'))?.user, 'alice');
    await locks.release('kept', held.token);
  });
});
