/**
 * A long step is never silent: while an op that changes things runs, a stretch of `quietMs`
 * without progress repeats the last step with the time since the op began ("creating cache …
 * (2m30s so far)"). Rollouts report their own time; this is for what waits on AWS (a new RDS
 * instance or ElastiCache group takes minutes) and anything else that goes quiet. Shared by
 * the agent (ops under a lock) and the CLI (cluster:bootstrap and cluster:destroy, on AWS).
 */
export type Progress = (step: string, message: string) => void;

/** 45s, 2m30s, 1h05m. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function heartbeat(progress: Progress, options: { quietMs?: number; checkMs?: number; now?: () => number } = {}): { progress: Progress; stop(): void } {
  const now = options.now ?? Date.now;
  const quietMs = options.quietMs ?? 30_000;
  const started = now();
  let last: { step: string; message: string; at: number } | undefined;
  const timer = setInterval(() => {
    if (last === undefined || now() - last.at < quietMs) return;
    progress(last.step, `${last.message} (${formatElapsed(now() - started)} so far)`);
    last.at = now();
  }, options.checkMs ?? 1000);
  timer.unref();
  return {
    progress: (step, message) => {
      last = { step, message, at: now() };
      progress(step, message);
    },
    stop: () => clearInterval(timer),
  };
}
