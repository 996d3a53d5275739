/**
 * app.lock / app.lock.status / app.unlock: the app's deploy lock by hand, for maintenance
 * windows. Every mutating op already holds the lock while it runs (serve); an explicit lock
 * is the same lock held on purpose until app:unlock or its expiry, so it stops every change
 * to the app — by anyone, its holder included — while the work goes on.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { describeLockHolder } from '../../core/names.ts';
import type { LockView } from '../../results/app.ts';
import type { LockInfo } from '../../state/locks.ts';
import { defineOp } from '../op.ts';
import { requireApp } from '../release.ts';

/** An explicit lock holds a working day unless released first. */
export const EXPLICIT_LOCK_TTL_SECONDS = 24 * 3600;

const view = (lock: LockInfo): LockView => ({
  user: lock.user,
  op: lock.op,
  message: lock.message ?? null,
  since: lock.since,
  expiresAt: lock.expiresAt,
  expired: lock.expired,
});

export const lockApp = defineOp({
  op: 'app.lock',
  access: 'app',
  mutating: true,
  // This op takes the lock itself, to keep it after the request ends.
  lock: false,
  async handle(ctx, args) {
    const state = await ctx.state();
    const handle = await state.locks.acquire(args.app, {
      user: ctx.user,
      op: 'app.lock',
      ...(args.message ? { message: args.message } : {}),
      ttlSeconds: args.ttlSeconds ?? EXPLICIT_LOCK_TTL_SECONDS,
      ...(args.waitSeconds ? { waitSeconds: args.waitSeconds } : {}),
    });
    if (handle.tookOver) ctx.progress('took-over', `took over the expired lock of ${handle.tookOver.user} (${handle.tookOver.op})`);
    return { app: args.app, locked: true, lock: view(handle) };
  },
});

export const lockStatus = defineOp({
  op: 'app.lock.status',
  access: 'read',
  mutating: false,
  async handle(ctx, args) {
    const lock = await (await ctx.state()).locks.status(args.app);
    if (!lock) await requireApp(ctx, args.app);
    return { app: args.app, locked: lock !== undefined && !lock.expired, lock: lock ? view(lock) : null };
  },
});

export const unlockApp = defineOp({
  op: 'app.unlock',
  access: 'app',
  mutating: true,
  lock: false,
  async handle(ctx, args) {
    const state = await ctx.state();
    const lock = await state.locks.status(args.app);
    if (!lock) {
      await requireApp(ctx, args.app);
      return { app: args.app, released: false, lock: null };
    }
    // A running deploy's lock ends with the deploy; breaking it lets a second change interleave.
    if (lock.op !== 'app.lock' && !lock.expired && !args.force) {
      throw new FutuswarmError('locked', `${args.app} is locked by ${describeLockHolder(lock)} of ${lock.user} (since ${lock.since}), not by app:lock`, {
        hint: `it is released when that ends; if it is stuck, break it: futuswarm app:unlock -n ${args.app} --force`,
        details: { lock: view(lock) },
      });
    }
    const removed = await state.locks.break(args.app);
    return { app: args.app, released: removed !== undefined, lock: removed ? view(removed) : null };
  },
});
