/**
 * The cluster's periodic work, run by one resident agent at a time: the one that holds the
 * leader lease (src/state/leadership.ts). Every daemon tries to take or renew the lease every
 * third of its TTL; the holder runs each job when it is due. A daemon that stops resigns, so
 * another takes over at its next try; one that dies is replaced once its lease expires.
 *
 * Jobs are the seam for later periodic work (cron of app manifests, registry clean-up): each
 * is a name, an interval and a function of the state.
 */
import type { AppState } from './app-state.ts';

export interface PeriodicJob {
  name: string;
  everySeconds: number;
  /** What it did, for the agent log; nothing when there was nothing to do. */
  run(state: AppState): Promise<Record<string, unknown> | undefined>;
}

/** Locks that expired (their holder died before a successor could free them) are removed. */
export const expiredLocks: PeriodicJob = {
  name: 'expired-locks',
  everySeconds: 60,
  async run(state) {
    const removed: string[] = [];
    for (const app of await state.apps.names()) {
      const lock = await state.locks.removeExpired(app);
      if (lock) removed.push(`${app} (${lock.user}, ${lock.op}, expired ${lock.expiresAt})`);
    }
    return removed.length > 0 ? { removed } : undefined;
  },
};

export const PERIODIC_JOBS: readonly PeriodicJob[] = [expiredLocks];

export interface PeriodicOptions {
  state: () => Promise<AppState>;
  /** Who this daemon is in the lease: host, pid and a random part. */
  holder: string;
  log: (fields: Record<string, unknown>) => void;
  leaseSeconds?: number;
  jobs?: readonly PeriodicJob[];
  /** Told whenever leadership changes. */
  onLeader?: (leader: boolean) => void;
}

export function startPeriodicWork(options: PeriodicOptions): { stop(): Promise<void> } {
  const leaseSeconds = options.leaseSeconds ?? 30;
  const jobs = options.jobs ?? PERIODIC_JOBS;
  const lastRun = new Map<string, number>();
  let leader = false;
  let stopped = false;
  let tick: Promise<void> = Promise.resolve();

  const setLeader = (now: boolean): void => {
    if (now === leader) return;
    leader = now;
    options.log({ level: 'info', event: now ? 'leader' : 'not leader', holder: options.holder });
    options.onLeader?.(now);
  };

  const once = async (): Promise<void> => {
    const state = await options.state();
    const outcome = await state.leadership.claim(options.holder, leaseSeconds);
    setLeader(outcome.leader);
    if (!outcome.leader || stopped) return;
    for (const job of jobs) {
      const due = (lastRun.get(job.name) ?? 0) + job.everySeconds * 1000;
      if (Date.now() < due) continue;
      lastRun.set(job.name, Date.now());
      const started = Date.now();
      try {
        const did = await job.run(state);
        if (did) options.log({ level: 'info', event: 'periodic', job: job.name, ms: Date.now() - started, ...did });
      } catch (e) {
        options.log({ level: 'warn', event: 'periodic', job: job.name, error: (e as Error).message });
      }
    }
  };

  let busy = false;
  const run = (): void => {
    if (busy) return; // the last round still runs (a long job): no second one beside it
    busy = true;
    tick = once().finally(() => (busy = false)).catch((e: Error) => {
      // A store that cannot be reached: not the leader until it can be (the lease may expire).
      setLeader(false);
      options.log({ level: 'warn', event: 'leader lease', error: e.message });
    });
  };
  run();
  const timer = setInterval(run, (leaseSeconds * 1000) / 3);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await tick;
      if (!leader) return;
      try {
        await (await options.state()).leadership.resign(options.holder);
      } catch {
        // The lease expires by itself.
      }
      setLeader(false);
    },
  };
}
