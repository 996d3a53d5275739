/**
 * An app's lock (`apps/<app>/lock`): taken with If-None-Match, or over an expired one with
 * If-Match; held with a token that alone renews or releases it. Deploys and maintenance
 * windows (app:lock) serialize on it across every manager.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { describeLockHolder, userName } from '../core/names.ts';
import { checkApp, checkUser, isConflict, isoTime, parseJson, putJson, StateConcern } from './json.ts';
import { stateKeys } from './keys.ts';

const lockSchema = z.looseObject({
  token: z.string().min(16),
  user: userName,
  op: z.string().min(1).max(100),
  message: z.string().max(500).optional(),
  since: isoTime,
  expiresAt: isoTime,
});

export interface LockInfo {
  app: string;
  user: string;
  op: string;
  message: string | undefined;
  since: string;
  expiresAt: string;
  /** An expired lock blocks nobody; the next acquire takes it over. */
  expired: boolean;
}

/** What the holder keeps; the token is the only way to renew or release. */
export interface LockHandle extends LockInfo {
  token: string;
  /** The expired lock this acquire took over, if any. */
  tookOver: LockInfo | undefined;
  /** The ETag of the lock as this holder last wrote it: a release without a read first. */
  etag?: string;
}

export interface LockRequest {
  user: string;
  /** What the lock is for, e.g. `app.deploy` or `maintenance`. */
  op: string;
  message?: string;
  /** Default 600 s; renew long operations with renewLock. */
  ttlSeconds?: number;
  /** Keep trying this long before failing with `locked` (default 0: fail at once). */
  waitSeconds?: number;
}

export class Locks extends StateConcern {
  #lockInfo(app: string, lock: z.output<typeof lockSchema>): LockInfo {
    return {
      app,
      user: lock.user,
      op: lock.op,
      message: lock.message,
      since: lock.since,
      expiresAt: lock.expiresAt,
      expired: Date.parse(lock.expiresAt) <= this.now().getTime(),
    };
  }

  async #readLock(app: string): Promise<{ lock: z.output<typeof lockSchema>; info: LockInfo; etag: string } | undefined> {
    const object = await this.store.get(stateKeys.lock(app));
    if (!object) return undefined;
    const lock = parseWith(lockSchema, parseJson(object, `lock of ${app}`), `lock of ${app}`, { code: 'protocol' });
    return { lock, info: this.#lockInfo(app, lock), etag: object.etag };
  }

  #lockedError(holder: LockInfo, waitedSeconds?: number): FutuswarmError {
    const what = `${describeLockHolder(holder)}${waitedSeconds ? `; waited ${waitedSeconds}s for it` : ''}`;
    // A maintenance lock (app:lock) stays until someone releases it; an op's lock ends with the op.
    const hint = holder.op === 'app.lock'
      ? `it holds until someone runs futuswarm app:unlock -n ${holder.app}, at the latest until ${holder.expiresAt}; see futuswarm app:lock -n ${holder.app} --status`
      : `wait until it is released or expires at ${holder.expiresAt}, or retry with --lock-wait; see futuswarm app:lock -n ${holder.app} --status`;
    return new FutuswarmError('locked', `${holder.app} is locked by ${holder.user} since ${holder.since} (${what})`, {
      hint,
      details: { lock: holder },
    });
  }

  /** The app's lock, expired or not; undefined when nobody holds it. */
  async status(app: string): Promise<LockInfo | undefined> {
    checkApp(app);
    return (await this.#readLock(app))?.info;
  }

  /**
   * Take the app's lock: create it if absent (If-None-Match), or take over an expired one
   * (If-Match on its ETag). Held by anyone else, even the same user: `locked`, naming the
   * holder — at once, or after `waitSeconds` of polling; `onWait` hears once that it waits.
   */
  async acquire(app: string, request: LockRequest, options: { onWait?: (holder: LockInfo) => void } = {}): Promise<LockHandle> {
    checkApp(app);
    checkUser(request.user);
    const ttl = request.ttlSeconds ?? 600;
    if (!(ttl > 0 && ttl <= 7 * 24 * 3600)) throw new FutuswarmError('invalid_input', 'lock: ttl must be between 1 s and 7 days');
    const deadline = Date.now() + (request.waitSeconds ?? 0) * 1000;
    for (let waited = false; ; waited = true) {
      const outcome = await this.#tryAcquire(app, request, ttl);
      if ('handle' in outcome) return outcome.handle;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.#lockedError(outcome.holder, request.waitSeconds);
      if (!waited) options.onWait?.(outcome.holder);
      // Jittered: waiters that started together would otherwise poll together, each second.
      await sleep(Math.min(500 + Math.random() * 500, remaining));
    }
  }

  async #tryAcquire(app: string, request: LockRequest, ttl: number): Promise<{ handle: LockHandle } | { holder: LockInfo }> {
    const key = stateKeys.lock(app);
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.now();
      const lock = parseWith(
        lockSchema,
        {
          token: randomUUID(),
          user: request.user,
          op: request.op,
          message: request.message,
          since: now.toISOString(),
          expiresAt: new Date(now.getTime() + ttl * 1000).toISOString(),
        },
        'lock',
      );
      const handle = (tookOver: LockInfo | undefined, etag: string): LockHandle => ({ ...this.#lockInfo(app, lock), token: lock.token, tookOver, etag });
      try {
        const written = await putJson(this.store, key, lock, { ifNoneMatch: '*' });
        return { handle: handle(undefined, written.etag) };
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
      const current = await this.#readLock(app);
      if (!current) continue; // released meanwhile
      if (!current.info.expired) return { holder: current.info };
      try {
        const written = await putJson(this.store, key, lock, { ifMatch: current.etag });
        return { handle: handle(current.info, written.etag) };
      } catch (e) {
        if (!isConflict(e)) throw e; // someone else took it over first: look again
      }
    }
    const current = await this.#readLock(app);
    if (current) return { holder: current.info };
    throw new FutuswarmError('conflict', `the lock of ${app} is changing too fast to take`, { hint: 're-run the command' });
  }

  /** Extend a held lock; fails with `locked` if it was lost (expired and taken over). */
  async renew(handle: LockHandle, ttlSeconds = 600): Promise<LockHandle> {
    const app = checkApp(handle.app);
    if (!(ttlSeconds > 0 && ttlSeconds <= 7 * 24 * 3600)) throw new FutuswarmError('invalid_input', 'lock: ttl must be between 1 s and 7 days');
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.#readLock(app);
      if (!current || current.lock.token !== handle.token) {
        if (current) throw this.#lockedError(current.info);
        throw new FutuswarmError('locked', `the lock of ${app} was released by someone else`, {
          hint: `see futuswarm app:lock -n ${app} --status`,
        });
      }
      const lock = { ...current.lock, expiresAt: new Date(this.now().getTime() + ttlSeconds * 1000).toISOString() };
      try {
        const written = await putJson(this.store, stateKeys.lock(app), lock, { ifMatch: current.etag });
        return { ...handle, ...this.#lockInfo(app, lock), etag: written.etag };
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new FutuswarmError('conflict', `the lock of ${app} is changing too fast to renew`, { hint: 're-run the command' });
  }

  /**
   * Release the lock held with `token`. Returns false if that token no longer holds it
   * (it expired and was taken over, or was broken): someone else's lock is never removed.
   * `etag`: the lock's ETag as the holder last wrote it; while it still matches, the lock is
   * removed in one request, and only otherwise read first.
   */
  async release(app: string, token: string, etag?: string): Promise<boolean> {
    checkApp(app);
    if (etag !== undefined) {
      try {
        await this.store.delete(stateKeys.lock(app), { ifMatch: etag });
        return true;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.#readLock(app);
      if (!current || current.lock.token !== token) return false;
      try {
        await this.store.delete(stateKeys.lock(app), { ifMatch: current.etag });
        return true;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    return false;
  }

  /** Remove the app's lock if it has expired (the leader's clean-up); returns what was removed. */
  async removeExpired(app: string): Promise<LockInfo | undefined> {
    checkApp(app);
    const current = await this.#readLock(app);
    if (!current?.info.expired) return undefined;
    try {
      // Only the version read: a lock taken over meanwhile stays.
      await this.store.delete(stateKeys.lock(app), { ifMatch: current.etag });
      return current.info;
    } catch (e) {
      if (!isConflict(e)) throw e;
      return undefined;
    }
  }

  /** Remove whoever's lock is there (`app:unlock` by an owner or admin); returns what was removed. */
  async break(app: string): Promise<LockInfo | undefined> {
    checkApp(app);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.#readLock(app);
      if (!current) return undefined;
      try {
        await this.store.delete(stateKeys.lock(app), { ifMatch: current.etag });
        return current.info;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new FutuswarmError('conflict', `the lock of ${app} is changing too fast to break`, { hint: 're-run the command' });
  }

  /**
   * Run `fn` holding the app's lock. While it runs the lock is renewed every third of its TTL,
   * so a rollout longer than the TTL keeps it; a crashed agent stops renewing and the lock
   * expires as usual. `onLost` hears if a renewal finds the lock taken (it had expired while
   * the store could not be reached); `fn` is not interrupted, since Swarm finishes a rollout
   * regardless. The lock is released however `fn` ends.
   */
  async hold<T>(
    app: string,
    request: LockRequest,
    fn: (handle: LockHandle) => Promise<T>,
    options: { onLost?: (error: Error) => void; onWait?: (holder: LockInfo) => void } = {},
  ): Promise<T> {
    const ttl = request.ttlSeconds ?? 600;
    let handle = await this.acquire(app, request, options.onWait ? { onWait: options.onWait } : {});
    let renewing: Promise<unknown> = Promise.resolve();
    let lost = false;
    const timer = setInterval(() => {
      renewing = this.renew(handle, ttl).then(
        (renewed) => (handle = renewed),
        (e: unknown) => {
          // A store that cannot be reached now may answer at the next tick; a lock that
          // someone else holds is gone for good.
          if (!isFutuswarmError(e) || e.code !== 'locked' || lost) return;
          lost = true;
          clearInterval(timer);
          options.onLost?.(e);
        },
      );
    }, Math.max(100, (ttl * 1000) / 3));
    try {
      return await fn(handle);
    } finally {
      clearInterval(timer);
      await renewing;
      await this.release(app, handle.token, handle.etag).catch(() => undefined);
    }
  }
}
