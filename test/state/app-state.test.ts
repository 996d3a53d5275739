/**
 * Every concern of the state bucket (secrets, releases, settings, owners, locks, the node channel,
 * the LDAP bind password, the audit trail) on S3 + KMS in moto.
 *
 * Over 400 lines because its last part scans the whole bucket for every secret value the other
 * parts stored and must find none in plaintext: that check needs them all in one bucket.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as z from 'zod';
import { ensureKeyAlias, kmsKeyService } from '../../src/aws/kms.ts';
import { ensureStateBucket, s3ObjectStore, type ObjectStore } from '../../src/aws/state-store.ts';
import { AppState } from '../../src/agent/app-state.ts';
import { stateKeys } from '../../src/state/keys.ts';
import type { LockHandle } from '../../src/state/locks.ts';
import { hashSettings } from '../../src/state/releases.ts';
import type { KeyService } from '../../src/core/envelope.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { MOTO_ENDPOINT, uniqueName, useMoto } from '../helpers/moto.ts';
import { newSshKey } from '../helpers/ssh-key.ts';
import { generateEd25519KeyPair } from '../../src/ssh/keygen.ts';

const newHostKey = (): string => {
  const key = newSshKey('host');
  return `${key.type} ${key.base64}`;
};

/** Values that must never appear in plaintext anywhere in the bucket. */
const PLAINTEXT_MARKERS: string[] = [];
function secretValue(label: string): string {
  const value = `s3cr3t-${label}-${Math.random().toString(36).slice(2, 12)}`;
  PLAINTEXT_MARKERS.push(value);
  return value;
}

function isCode(code: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof FutuswarmError, `expected a FutuswarmError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

let appCounter = 0;
const newApp = (): string => `app-${process.pid.toString(36)}-${(appCounter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

describe('AppState on S3 + KMS (moto)', () => {
  const bucket = uniqueName('fs-appstate');
  const cluster = uniqueName('c');
  let store: ObjectStore;
  let keys: KeyService;
  let state: AppState;

  before(async () => {
    useMoto();
    await fetch(`${MOTO_ENDPOINT}/moto-api/`).catch(() => {
      throw new Error(`moto is not running at ${MOTO_ENDPOINT}; start it: moto_server -H 127.0.0.1 -p 5055`);
    });
    const alias = `alias/${uniqueName('fs-appstate')}`;
    const key = await ensureKeyAlias(alias);
    await ensureStateBucket(bucket, { kmsKeyId: key.arn });
    store = s3ObjectStore(bucket);
    keys = kmsKeyService(alias);
    state = new AppState({ store, keys, cluster });
  });

  describe('secrets', () => {
    it('set, unset, read, pinned read and history round trip', async () => {
      const app = newApp();
      assert.deepEqual(await state.secrets.read(app), { values: {}, versionId: undefined, etag: undefined, meta: undefined });

      const db = secretValue('db');
      const stripe = secretValue('stripe');
      const first = await state.secrets.update(app, 'alice', () => ({ set: { DATABASE_URL: db, STRIPE_KEY: stripe } }));
      assert.equal(first.written, true);
      assert.deepEqual(first.changed, ['DATABASE_URL', 'STRIPE_KEY']);
      assert.ok(first.versionId);

      const second = await state.secrets.update(app, 'bob', () => ({ unset: ['STRIPE_KEY', 'NEVER_SET'] }), { note: 'rotate' });
      assert.deepEqual(second.unset, ['STRIPE_KEY']);
      assert.deepEqual(second.missing, ['NEVER_SET']);

      const now = await state.secrets.read(app);
      assert.deepEqual(now.values, { DATABASE_URL: db });
      assert.equal(now.versionId, second.versionId);
      assert.equal(now.meta?.user, 'bob');

      const pinned = await state.secrets.read(app, { versionId: first.versionId });
      assert.deepEqual(pinned.values, { DATABASE_URL: db, STRIPE_KEY: stripe });
      await assert.rejects(state.secrets.read(app, { versionId: 'no-such-version' }), isCode('not_found'));

      const history = await state.secrets.history(app);
      assert.deepEqual(
        history.map((h) => [h.versionId, h.user, h.set, h.unset, h.note, h.current]),
        [
          [second.versionId, 'bob', [], ['STRIPE_KEY'], 'rotate', true],
          [first.versionId, 'alice', ['DATABASE_URL', 'STRIPE_KEY'], [], undefined, false],
        ],
      );
      assert.ok(!JSON.stringify(history).includes(db));
    });

    it('stores nothing when nothing changes', async () => {
      const app = newApp();
      const value = secretValue('same');
      const first = await state.secrets.update(app, 'alice', () => ({ set: { A: value } }));
      const again = await state.secrets.update(app, 'alice', () => ({ set: { A: value } }));
      assert.equal(again.written, false);
      assert.equal(again.versionId, first.versionId);
      assert.equal((await store.versions(stateKeys.secrets(app))).length, 1);
    });

    it('restores an earlier version as a new version', async () => {
      const app = newApp();
      const v1 = secretValue('v1');
      const first = await state.secrets.update(app, 'alice', () => ({ set: { TOKEN: v1, KEEP: 'k' } }));
      await state.secrets.update(app, 'alice', () => ({ set: { TOKEN: secretValue('v2'), ADDED: 'x' } }));
      const restored = await state.secrets.restore(app, 'bob', first.versionId!);
      assert.deepEqual(restored.set, ['TOKEN']);
      assert.deepEqual(restored.unset, ['ADDED']);
      assert.deepEqual((await state.secrets.read(app)).values, { KEEP: 'k', TOKEN: v1 });
      assert.equal((await state.secrets.history(app))[0]?.note, `restore of ${first.versionId}`);
    });

    it('bad keys and oversize values are refused and nothing is stored', async () => {
      const app = newApp();
      const value = secretValue('bad');
      await state.secrets.update(app, 'alice', () => ({ set: { GOOD: value } }));
      const before = await store.versions(stateKeys.secrets(app));
      const leaked = secretValue('leak');
      for (const change of [
        { set: { 'bad-key': leaked } },
        { set: { lower: leaked } },
        { set: { HUGE: `${leaked}${'x'.repeat(64 * 1024)}` } },
        { set: { OK: leaked }, unset: ['OK'] },
        { set: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`BIG_${i}`, `${leaked}${'y'.repeat(60_000)}`])) },
      ]) {
        await assert.rejects(state.secrets.update(app, 'alice', () => change), (e: unknown) => {
          isCode('invalid_input')(e);
          const err = e as FutuswarmError;
          assert.ok(!`${err.message}${err.hint}${JSON.stringify(err.details)}`.includes(leaked), 'error reveals a value');
          return true;
        });
      }
      assert.deepEqual(await store.versions(stateKeys.secrets(app)), before);
      assert.deepEqual((await state.secrets.read(app)).values, { GOOD: value });
    });

    it('refuses bad app and user names before touching S3', async () => {
      await assert.rejects(state.secrets.read('../etc'), isCode('invalid_input'));
      await assert.rejects(state.secrets.update(newApp(), 'bob smith', () => ({ set: { A: 'b' } })), isCode('invalid_input'));
    });

    it('two concurrent updates without retries: both stored or one conflict, never a silent loss (20 runs)', async () => {
      let conflicts = 0;
      for (let run = 0; run < 20; run++) {
        const app = newApp();
        const seed = await state.secrets.update(app, 'admin', () => ({ set: { SEED: 'x' } }));
        const writers = ['ALICE', 'BOB'].map((who) =>
          state.secrets.update(app, who.toLowerCase(), () => ({ set: { [`${who}_KEY`]: secretValue(who) } }), {
            retries: 0,
            rerun: `futuswarm app:secrets set -n ${app} ${who}_KEY=…`,
          }),
        );
        const results = await Promise.allSettled(writers);
        const { values } = await state.secrets.read(app);
        let stored = 0;
        results.forEach((r, i) => {
          const key = `${i === 0 ? 'ALICE' : 'BOB'}_KEY`;
          if (r.status === 'fulfilled') {
            stored++;
            assert.ok(Object.hasOwn(values, key), `run ${run}: ${key} reported stored but lost`);
          } else {
            conflicts++;
            isCode('conflict')(r.reason);
            assert.match((r.reason as FutuswarmError).hint ?? '', new RegExp(`re-run: futuswarm app:secrets set -n ${app} ${key}`));
            assert.ok(!Object.hasOwn(values, key), `run ${run}: ${key} failed but was stored`);
          }
        });
        assert.ok(stored >= 1, `run ${run}: both writers failed`);
        assert.equal(values.SEED, 'x');
        const versions = await store.versions(stateKeys.secrets(app));
        assert.equal(versions.length, 1 + stored, `run ${run}: versions do not match successful writes`);
        assert.notEqual(versions[0]?.versionId, seed.versionId);
      }
      // Both writers read before either writes, nearly always: the race must have been exercised.
      assert.ok(conflicts > 0, 'no conflict in 20 runs: the test did not race');
    });

    it('two concurrent updates with retries: the loser re-applies its change to fresh data (20 runs)', async () => {
      let retried = 0;
      for (let run = 0; run < 20; run++) {
        const app = newApp();
        const results = await Promise.all(
          ['ALICE', 'BOB'].map((who) =>
            state.secrets.update(app, who.toLowerCase(), () => ({ set: { [`${who}_KEY`]: secretValue(who) } })),
          ),
        );
        retried += results.filter((r) => r.attempts > 1).length;
        const { values } = await state.secrets.read(app);
        assert.deepEqual(Object.keys(values), ['ALICE_KEY', 'BOB_KEY'], `run ${run}`);
        assert.equal((await store.versions(stateKeys.secrets(app))).length, 2);
      }
      assert.ok(retried > 0, 'no retry in 20 runs: the test did not race');
    });

    it('a secrets blob copied to another app (or cluster) fails to decrypt with a clear error', async () => {
      const source = newApp();
      const target = newApp();
      await state.secrets.update(source, 'alice', () => ({ set: { PASSWORD: secretValue('copied') } }));
      const blob = await store.get(stateKeys.secrets(source));
      await store.put(stateKeys.secrets(target), blob!.body, { ifNoneMatch: '*' });
      await assert.rejects(
        state.secrets.read(target),
        isCode('forbidden', new RegExp(`^secrets of app ${target} cannot be decrypted with this app's key context \\(was the blob copied from another app\\?\\)$`)),
      );
      await assert.rejects(state.secrets.update(target, 'alice', () => ({ set: { X: 'y' } })), isCode('forbidden'));

      const otherCluster = new AppState({ store, keys, cluster: `${cluster}-other` });
      await assert.rejects(otherCluster.secrets.read(source), isCode('forbidden'));
    });

    it('a blob whose clear-text meta was edited fails its integrity check', async () => {
      const app = newApp();
      await state.secrets.update(app, 'alice', () => ({ set: { A: secretValue('meta') } }));
      const object = await store.get(stateKeys.secrets(app));
      const envelope = JSON.parse(object!.body.toString());
      envelope.meta.user = 'mallory';
      await store.put(stateKeys.secrets(app), JSON.stringify(envelope), { ifMatch: object!.etag });
      await assert.rejects(state.secrets.read(app), isCode('protocol', /integrity/));
    });
  });

  describe('releases', () => {
    const base = { image: 'acme/shop', tag: '1.4', settings: { port: 8080, replicas: 2 }, secretsVersion: null, user: 'alice' };

    it('numbers releases, refuses to overwrite one, lists newest first', async () => {
      const app = newApp();
      assert.equal(await state.releases.next(app), 1);
      assert.equal(await state.releases.latest(app), undefined);
      const r1 = await state.releases.record(app, base);
      assert.equal(r1.n, 1);
      assert.equal(r1.settingsHash, hashSettings({ replicas: 2, port: 8080 }));
      const r2 = await state.releases.record(app, { ...base, tag: '1.5', imageDigest: `sha256:${'a'.repeat(64)}` });
      const r3 = await state.releases.record(app, { ...base, note: 'rollback of 1', rollbackOf: 1 });
      assert.deepEqual([r2.n, r3.n], [2, 3]);
      await assert.rejects(state.releases.put(app, { ...r2, tag: 'other' }), isCode('conflict', /release 2 of .* was recorded by another deploy/));
      assert.equal((await state.releases.get(app, 2))?.tag, '1.5');
      assert.equal(await state.releases.get(app, 99), undefined);
      assert.deepEqual((await state.releases.list(app)).map((r) => r.n), [3, 2, 1]);
      assert.deepEqual((await state.releases.list(app, { limit: 2 })).map((r) => r.n), [3, 2]);
      assert.equal((await state.releases.latest(app))?.note, 'rollback of 1');
    });

    it('sorts release numbers numerically', async () => {
      const app = newApp();
      for (const n of [9, 10, 2]) {
        await state.releases.put(app, { ...base, n, time: new Date().toISOString(), settingsHash: hashSettings(base.settings) });
      }
      assert.equal(await state.releases.next(app), 11);
      assert.deepEqual((await state.releases.list(app)).map((r) => r.n), [10, 9, 2]);
    });

    it('two deploys writing the same number: exactly one wins', async () => {
      const app = newApp();
      // Both took number 1 before either wrote it (record() reads the next number, then puts).
      const release = (tag: string) => ({ ...base, tag, n: 1, time: new Date().toISOString(), settingsHash: hashSettings(base.settings) });
      const results = await Promise.allSettled([state.releases.put(app, release('1')), state.releases.put(app, release('2'))]);
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') isCode('conflict')(r.reason);
    });

    it('a started release keeps its number on S3 whatever its end: deployed, failed, or given back', async () => {
      const app = newApp();
      const input = { ...base, settingsHash: hashSettings(base.settings), time: new Date().toISOString() };
      const first = await state.releases.start(app, input);
      await state.releases.finish(app, first, { status: 'deployed' });
      const second = await state.releases.start(app, { ...input, tag: '1.5' });
      assert.equal(second.release.n, 2);
      await state.releases.finish(app, second, { status: 'failed', failure: 'the container exited with code 1' });
      await assert.rejects(state.releases.finish(app, second, { status: 'deployed' }), isCode('conflict'));
      const third = await state.releases.start(app, input, 2);
      assert.deepEqual([third.release.n, await state.releases.next(app)], [3, 4]);
      assert.deepEqual((await state.releases.list(app)).map((r) => [r.n, r.status]), [[3, 'started'], [2, 'failed'], [1, 'deployed']]);
      await state.releases.forget(app, third);
      assert.equal(await state.releases.next(app), 3);
    });

    it('pins the secrets version so a rollback can read it back', async () => {
      const app = newApp();
      const old = secretValue('release');
      const v1 = await state.secrets.update(app, 'alice', () => ({ set: { API_KEY: old } }));
      await state.releases.record(app, { ...base, secretsVersion: v1.versionId! });
      await state.secrets.update(app, 'alice', () => ({ set: { API_KEY: secretValue('newer') } }));
      const release = await state.releases.get(app, 1);
      assert.deepEqual((await state.secrets.read(app, { versionId: release!.secretsVersion! })).values, { API_KEY: old });
    });
  });

  describe('settings', () => {
    const schema = z.strictObject({ port: z.number().int(), replicas: z.number().int().min(0) });

    it('creates, updates with the ETag read, and refuses a stale one', async () => {
      const app = newApp();
      assert.equal(await state.settings.get(app), undefined);
      const created = await state.settings.put(app, { port: 80, replicas: 1 }, undefined, schema);
      await assert.rejects(state.settings.put(app, { port: 81, replicas: 1 }, undefined, schema), isCode('conflict'));
      const read = await state.settings.get(app, schema);
      assert.deepEqual(read?.settings, { port: 80, replicas: 1 });
      assert.equal(read?.etag, created.etag);
      await state.settings.put(app, { port: 80, replicas: 3 }, read!.etag, schema);
      await assert.rejects(state.settings.put(app, { port: 80, replicas: 4 }, read!.etag, schema), isCode('conflict'));
      assert.deepEqual((await state.settings.get(app))?.settings, { port: 80, replicas: 3 });
      await assert.rejects(state.settings.put(app, { port: 'x', replicas: -1 } as never, undefined, schema), isCode('invalid_input'));
    });
  });

  describe('owners', () => {
    it('two concurrent claims of a new app: exactly one owner (20 runs)', async () => {
      for (let run = 0; run < 20; run++) {
        const app = newApp();
        const [a, b] = await Promise.all([state.owners.claim(app, 'alice'), state.owners.claim(app, 'bob')]);
        assert.equal(Number(a.created) + Number(b.created), 1, `run ${run}`);
        assert.deepEqual(a.owners.owners, b.owners.owners);
        assert.equal(a.owners.owners.length, 1);
        assert.deepEqual((await state.owners.get(app))?.owners, a.owners.owners);
      }
    });

    it('adds and removes owners, never the last one; deleting them frees the name', async () => {
      const app = newApp();
      await assert.rejects(state.owners.add(app, 'alice', 'bob'), isCode('not_found'));
      await state.owners.claim(app, 'alice');
      assert.deepEqual((await state.owners.add(app, 'alice', 'bob')).owners, ['alice', 'bob']);
      assert.deepEqual((await state.owners.add(app, 'alice', 'bob')).owners, ['alice', 'bob']);
      const [withCarol, withDave] = await Promise.all([state.owners.add(app, 'bob', 'carol'), state.owners.add(app, 'bob', 'dave')]);
      assert.ok(withCarol && withDave);
      assert.deepEqual((await state.owners.get(app))?.owners, ['alice', 'bob', 'carol', 'dave']);
      await state.owners.remove(app, 'bob', 'alice');
      await state.owners.remove(app, 'bob', 'carol');
      await state.owners.remove(app, 'bob', 'dave');
      await assert.rejects(state.owners.remove(app, 'bob', 'bob'), isCode('invalid_input', /last owner/));
      await assert.rejects(state.owners.remove(app, 'bob', 'zed'), isCode('not_found'));
      await state.owners.delete(app);
      assert.equal(await state.owners.get(app), undefined);
      assert.equal((await state.owners.claim(app, 'erin')).created, true);
    });
  });

  describe('locks', () => {
    it('refuses a second holder, naming the first; releases only with the token', async () => {
      const app = newApp();
      const held = await state.locks.acquire(app, { user: 'alice', op: 'app.deploy', message: 'v2' });
      assert.equal(held.user, 'alice');
      assert.equal(held.tookOver, undefined);
      for (const user of ['bob', 'alice']) {
        await assert.rejects(state.locks.acquire(app, { user, op: 'app.deploy' }), (e: unknown) => {
          isCode('locked', new RegExp(`^${app} is locked by alice since .* \\(a running app:deploy: "v2"\\)$`))(e);
          const details = (e as FutuswarmError).details as { lock: Record<string, unknown> };
          assert.equal(details.lock.user, 'alice');
          assert.ok(!JSON.stringify(details).includes(held.token), 'the token leaks');
          return true;
        });
      }
      const status = await state.locks.status(app);
      assert.deepEqual(
        { user: status?.user, op: status?.op, message: status?.message, expired: status?.expired },
        { user: 'alice', op: 'app.deploy', message: 'v2', expired: false },
      );
      assert.equal(await state.locks.release(app, 'not-the-token'), false);
      assert.equal((await state.locks.status(app))?.user, 'alice');
      assert.equal(await state.locks.release(app, held.token), true);
      assert.equal(await state.locks.status(app), undefined);
      assert.equal(await state.locks.release(app, held.token), false);
      const next = await state.locks.acquire(app, { user: 'bob', op: 'app.scale' });
      assert.equal(next.user, 'bob');
    });

    it('of concurrent acquirers exactly one holds the lock', async () => {
      const app = newApp();
      const results = await Promise.allSettled(
        ['alice', 'bob', 'carol', 'dave', 'erin'].map((user) => state.locks.acquire(app, { user, op: 'app.deploy' })),
      );
      const winners = results.filter((r): r is PromiseFulfilledResult<LockHandle> => r.status === 'fulfilled');
      assert.equal(winners.length, 1);
      for (const r of results) if (r.status === 'rejected') isCode('locked')(r.reason);
      assert.equal((await state.locks.status(app))?.user, winners[0]!.value.user);
    });

    it('an expired lock is taken over; the old holder can neither release nor renew it', async () => {
      const app = newApp();
      const old = await state.locks.acquire(app, { user: 'alice', op: 'app.deploy', ttlSeconds: 60 });
      const later = new AppState({ store, keys, cluster, now: () => new Date(Date.now() + 61_000) });
      assert.equal((await later.locks.status(app))?.expired, true);
      const taken = await later.locks.acquire(app, { user: 'bob', op: 'app.deploy' });
      assert.equal(taken.tookOver?.user, 'alice');
      assert.equal(await state.locks.release(app, old.token), false);
      await assert.rejects(state.locks.renew(old), isCode('locked', /locked by bob/));
      assert.equal((await state.locks.status(app))?.user, 'bob');

      // Two agents taking over the same expired lock at once: one wins.
      const muchLater = (offset: number) => new AppState({ store, keys, cluster, now: () => new Date(Date.now() + offset) });
      const results = await Promise.allSettled([
        muchLater(3_600_000).locks.acquire(app, { user: 'carol', op: 'x' }),
        muchLater(3_600_000).locks.acquire(app, { user: 'dave', op: 'x' }),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('renews a held lock, waits for a busy one, and breaks one on request', async () => {
      const app = newApp();
      const held = await state.locks.acquire(app, { user: 'alice', op: 'maintenance', ttlSeconds: 30 });
      const renewed = await state.locks.renew(held, 3600);
      assert.ok(Date.parse(renewed.expiresAt) > Date.parse(held.expiresAt));
      assert.equal(await state.locks.release(app, renewed.token), true);

      const busy = await state.locks.acquire(app, { user: 'alice', op: 'app.deploy' });
      setTimeout(() => void state.locks.release(app, busy.token), 1200);
      const started = Date.now();
      const waited = await state.locks.acquire(app, { user: 'bob', op: 'app.deploy', waitSeconds: 10 });
      assert.equal(waited.user, 'bob');
      assert.ok(Date.now() - started >= 1000);
      // Waiting in vain says how long it waited.
      await assert.rejects(state.locks.acquire(app, { user: 'carol', op: 'app.scale', waitSeconds: 1 }), isCode('locked', /\(a running app:deploy; waited 1s for it\)$/));

      assert.equal((await state.locks.break(app))?.user, 'bob');
      assert.equal(await state.locks.status(app), undefined);
      assert.equal(await state.locks.break(app), undefined);
    });

    it('a holder releases its lock in one request while the lock is as the holder last wrote it', async () => {
      const app = newApp();
      let reads = 0;
      const counted = new AppState({ store: { ...store, get: (...a: Parameters<ObjectStore['get']>) => (reads++, store.get(...a)) }, keys, cluster });
      const renewed = await state.locks.renew(await state.locks.acquire(app, { user: 'alice', op: 'app.deploy' }), 60);
      assert.equal(await counted.locks.release(app, renewed.token, renewed.etag), true);
      assert.equal(reads, 0);
      assert.equal(await state.locks.status(app), undefined);
      // An ETag from before a renewal no longer matches: the lock is read, and still released with its token.
      const held = await state.locks.acquire(app, { user: 'alice', op: 'app.deploy' });
      await state.locks.renew(held, 60);
      assert.equal(await counted.locks.release(app, held.token, held.etag), true);
      assert.equal(reads, 1);
      assert.equal(await state.locks.status(app), undefined);
    });

    it('locks.hold releases the lock when the work fails', async () => {
      const app = newApp();
      await assert.rejects(
        state.locks.hold(app, { user: 'alice', op: 'app.deploy' }, async () => {
          assert.equal((await state.locks.status(app))?.user, 'alice');
          throw new Error('deploy failed');
        }),
        /deploy failed/,
      );
      assert.equal(await state.locks.status(app), undefined);
    });

    it('locks.hold keeps the lock past its TTL while the work runs, then releases it', async () => {
      const app = newApp();
      const ttlSeconds = 1.5;
      const first = await state.locks.hold(app, { user: 'alice', op: 'app.deploy', ttlSeconds }, async (handle) => {
        // Three TTLs later the lock is still alice's and unexpired: nobody can take it over.
        await new Promise((r) => setTimeout(r, ttlSeconds * 3000));
        const status = await state.locks.status(app);
        assert.equal(status?.user, 'alice');
        assert.equal(status?.expired, false);
        assert.ok(Date.parse(status!.expiresAt) > Date.parse(handle.expiresAt), 'the expiry moved forward');
        await assert.rejects(state.locks.acquire(app, { user: 'bob', op: 'app.scale' }), isCode('locked', /alice/));
        return 'done';
      });
      assert.equal(first, 'done');
      assert.equal(await state.locks.status(app), undefined);
    });

    it('locks.hold reports a lock lost to someone else and lets the work finish', async () => {
      const app = newApp();
      const lost: Error[] = [];
      const result = await state.locks.hold(
        app,
        { user: 'alice', op: 'app.deploy', ttlSeconds: 1 },
        async () => {
          await state.locks.break(app);
          await state.locks.acquire(app, { user: 'bob', op: 'app.lock', ttlSeconds: 60 });
          await new Promise((r) => setTimeout(r, 1500));
          return 'finished';
        },
        { onLost: (e) => lost.push(e) },
      );
      assert.equal(result, 'finished');
      assert.equal(lost.length, 1);
      isCode('locked', /bob/)(lost[0]);
      // Bob's lock survives alice's release.
      assert.equal((await state.locks.status(app))?.user, 'bob');
    });
  });

  describe('node channel', () => {
    it('makes the node key once, even when managers race, and keeps its private half sealed', async () => {
      const fresh = new AppState({ store, keys, cluster });
      let generated = 0;
      const generate = async () => {
        generated++;
        return generateEd25519KeyPair(`futuswarm-node@${cluster}`);
      };
      const results = await Promise.all([fresh.clusterSecrets.ensureNodeKey(generate), fresh.clusterSecrets.ensureNodeKey(generate), fresh.clusterSecrets.ensureNodeKey(generate)]);
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(new Set(results.map((r) => r.publicKey)).size, 1, 'everyone got the one stored key');
      assert.ok(generated >= 1);
      const again = await fresh.clusterSecrets.ensureNodeKey(() => Promise.reject(new Error('must not generate')));
      assert.deepEqual(again, { publicKey: results[0]!.publicKey, created: false });

      const key = await fresh.clusterSecrets.readNodeKey();
      assert.equal(key.publicKey, results[0]!.publicKey);
      assert.match(key.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
      const stored = (await store.get(stateKeys.nodeKey))!.body.toString('utf8');
      assert.ok(!stored.includes('OPENSSH PRIVATE KEY') && !stored.includes(Buffer.from(key.privateKey).toString('base64').slice(0, 40)));

      // Sealed to this cluster: the same object under another cluster's name does not open.
      const other = new AppState({ store, keys, cluster: `${cluster}-other` });
      await assert.rejects(other.clusterSecrets.readNodeKey());
    });

    it('records nodes host keys by address and replaces them when a node registers again', async () => {
      const hostKey = newHostKey();
      const first = await state.nodes.register({ addr: '10.9.8.7', hostname: 'worker-1', hostKeys: [hostKey] });
      assert.deepEqual((await state.nodes.get('10.9.8.7'))?.hostKeys, [hostKey]);
      const second = newHostKey();
      await state.nodes.register({ addr: '10.9.8.7', hostname: 'worker-1', hostKeys: [second] });
      assert.deepEqual((await state.nodes.get('10.9.8.7'))?.hostKeys, [second]);
      assert.equal(first.hostname, 'worker-1');
      assert.equal(await state.nodes.get('10.9.8.8'), undefined);
      await assert.rejects(state.nodes.register({ addr: '10.9.8.7; rm -rf /', hostname: 'x', hostKeys: [hostKey] }), /addr/);
      await assert.rejects(state.nodes.register({ addr: '10.9.8.9', hostname: 'x', hostKeys: ['not a key'] }), /hostKeys/);
      await assert.rejects(state.nodes.get('../apps/x'), /node address/);
    });

    it('forgets a removed node, but not a record another host made under the address since', async () => {
      await state.nodes.register({ addr: '10.9.8.20', hostname: 'worker-20', hostKeys: [newHostKey()] });
      assert.equal(await state.nodes.forget('10.9.8.20', 'someone-else'), false);
      assert.ok(await state.nodes.get('10.9.8.20'));
      assert.equal(await state.nodes.forget('10.9.8.20', 'worker-20'), true);
      assert.equal(await state.nodes.get('10.9.8.20'), undefined);
      assert.equal(await state.nodes.forget('10.9.8.20'), false);
      await assert.rejects(state.nodes.forget('../apps/x'), /node address/);
    });
  });

  describe('LDAP bind password', () => {
    it('is missing until stored, then opens only for this cluster; storing again replaces it', async () => {
      const fresh = new AppState({ store, keys, cluster: uniqueName('c-ldap') });
      await assert.rejects(fresh.clusterSecrets.readLdapBindPassword(), isCode('unavailable', /no LDAP bind password is stored/));
      const first = secretValue('ldap-bind');
      assert.deepEqual(await fresh.clusterSecrets.storeLdapBindPassword(first, 'arn:aws:iam::123456789012:user/admin'), { replaced: false });
      assert.equal(await fresh.clusterSecrets.readLdapBindPassword(), first);
      const second = secretValue('ldap-bind');
      assert.deepEqual(await fresh.clusterSecrets.storeLdapBindPassword(second, 'arn:aws:iam::123456789012:user/admin'), { replaced: true });
      assert.equal(await fresh.clusterSecrets.readLdapBindPassword(), second);

      // Bad input is refused before anything is written, and the message never holds the value.
      for (const bad of ['', `two\nlines-${second}`, 'x'.repeat(1025)]) {
        await assert.rejects(fresh.clusterSecrets.storeLdapBindPassword(bad, 'admin'), (e: Error) => {
          assert.ok(isCode('invalid_input', /^LDAP bind password: /)(e));
          assert.ok(bad === '' || !e.message.includes(bad.slice(0, 12)), e.message);
          return true;
        });
      }
      assert.equal(await fresh.clusterSecrets.readLdapBindPassword(), second);

      // Sealed under {cluster, purpose}: another cluster's agent cannot open this object.
      const other = new AppState({ store, keys, cluster: `${fresh.cluster}-other` });
      await assert.rejects(other.clusterSecrets.readLdapBindPassword());
    });
  });

  describe('audit', () => {
    it('records requests with secret values replaced by keys, and filters them', async () => {
      const app = newApp();
      const value = secretValue('audit');
      const t0 = new Date();
      const recorded = await state.audit.append({
        user: 'alice',
        op: 'app.secrets.set',
        app,
        args: { app, set: { STRIPE_KEY: value }, restart: true, nested: { password: value }, pairs: [`A=${value}`] },
        result: 'ok',
        durationMs: 12,
        redact: ['pairs'],
      });
      assert.deepEqual(recorded.args, { app, set: ['STRIPE_KEY'], restart: true, nested: { password: '[redacted]' }, pairs: ['A'] });
      const defaults = await state.audit.append({
        user: 'bob',
        op: 'app.secrets.set',
        app,
        args: { app, set: { K: value }, values: [`K=${value}`], token: value },
        result: 'error',
        code: 'forbidden',
        message: `forbidden: ${app} is owned by alice`,
      });
      assert.deepEqual(defaults.args, { app, set: ['K'], values: ['K'], token: '[redacted]' });
      await state.audit.append({ user: 'alice', op: 'app.deploy', app: newApp(), result: 'ok' });
      const scrubbed = await state.audit.append({
        user: 'carol',
        op: 'app.run',
        app: newApp(),
        args: { command: ['sh', '-c', `echo ${value}`] },
        result: 'error',
        code: 'internal',
        message: `exit 1: ${value}`,
        scrub: [value, 'a', ''],
      });
      assert.equal(scrubbed.user, 'carol');
      assert.equal(scrubbed.op, 'app.run');
      assert.deepEqual(scrubbed.args, { command: ['sh', '-c', '[redacted]'] });
      assert.equal(scrubbed.code, 'internal');
      assert.equal(scrubbed.message, '[redacted]');

      const mine = await state.audit.list({ app, since: t0 });
      assert.deepEqual(mine.map((r) => r.user), ['bob', 'alice']);
      assert.ok(!JSON.stringify(mine).includes(value));
      assert.deepEqual((await state.audit.list({ app, user: 'alice', since: t0 })).map((r) => r.op), ['app.secrets.set']);
      assert.deepEqual((await state.audit.list({ since: t0, user: 'bob', limit: 5 })).map((r) => r.code), ['forbidden']);
      assert.equal((await state.audit.list({ since: t0, limit: 2 })).length, 2);
      assert.ok(!JSON.stringify(await state.audit.list({ since: t0 })).includes(value));
      assert.deepEqual(await state.audit.list({ app, since: new Date(Date.now() + 60_000) }), []);
      assert.deepEqual(await state.audit.list({ app, until: new Date(t0.getTime() - 60_000) }), []);
      assert.match(recorded.id, /^\d{4}\/\d{2}\/\d{2}\/\d{6}\.\d{3}Z-[0-9a-f]{8}$/);
    });

    it('lists across days from the key layout', async () => {
      const app = newApp();
      const days = ['2024-02-28T23:59:59.999Z', '2024-02-29T00:00:00.000Z', '2024-03-01T12:00:00.000Z'];
      for (const time of days) await state.audit.append({ user: 'alice', op: 'app.deploy', app, result: 'ok', time: new Date(time) });
      const all = await state.audit.list({ app, since: new Date('2024-02-01T00:00:00Z'), until: new Date('2024-03-31T00:00:00Z') });
      assert.deepEqual(all.map((r) => r.time), [...days].reverse());
      const fromLeapDay = await state.audit.list({ app, since: new Date('2024-02-29T00:00:00.000Z'), until: new Date('2024-03-31T00:00:00Z') });
      assert.equal(fromLeapDay.length, 2);
    });
  });

  describe('purge and the plaintext scan', () => {
    it('purgeApp destroys every version under the app, so a new app of that name inherits nothing', async () => {
      const app = newApp();
      const first = await state.secrets.update(app, 'alice', () => ({ set: { OLD: secretValue('purged') } }));
      await state.secrets.update(app, 'alice', () => ({ set: { OLDER: 'x' } }));
      await state.releases.record(app, { image: 'acme/shop', settings: {}, secretsVersion: first.versionId!, user: 'alice' });
      await state.settings.put(app, { port: 80 }, undefined);
      await state.owners.claim(app, 'alice');
      await state.locks.acquire(app, { user: 'alice', op: 'app.remove' });
      const neighbour = `${app}x`;
      await state.owners.claim(neighbour, 'bob');

      const { deleted } = await state.purgeApp(app);
      assert.equal(deleted, 6, 'two secrets versions, a release, settings, owners, the lock');
      assert.deepEqual(await store.versions(stateKeys.app(app), { prefix: true }), []);
      assert.deepEqual((await state.secrets.read(app)).values, {});
      await assert.rejects(state.secrets.read(app, { versionId: first.versionId }), isCode('not_found'));
      assert.equal(await state.releases.next(app), 1);
      assert.equal(await state.locks.status(app), undefined);
      assert.equal((await state.owners.claim(app, 'carol')).created, true);
      assert.deepEqual((await state.owners.get(neighbour))?.owners, ['bob'], 'purge reached another app');
    });

    it('no secret value appears in plaintext in any version of any object in the bucket', async () => {
      assert.ok(PLAINTEXT_MARKERS.length > 40, 'the tests above wrote secrets');
      const versions = await store.versions('', { prefix: true });
      assert.ok(versions.length > 100, `only ${versions.length} versions in the bucket`);
      let scanned = 0;
      for (let i = 0; i < versions.length; i += 32) {
        await Promise.all(
          versions.slice(i, i + 32).map(async (v) => {
            if (v.deleteMarker) return;
            const object = await store.get(v.key, { versionId: v.versionId });
            assert.ok(object, `${v.key}@${v.versionId} unreadable`);
            const body = object.body.toString('latin1');
            scanned++;
            for (const marker of PLAINTEXT_MARKERS) {
              for (const form of [marker, Buffer.from(marker).toString('base64'), Buffer.from(marker).toString('hex')]) {
                assert.ok(!body.includes(form), `${v.key}@${v.versionId} contains a secret value`);
              }
            }
          }),
        );
      }
      assert.ok(scanned > 100);
    });
  });
});
