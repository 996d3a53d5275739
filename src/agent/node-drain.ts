/** Follows a drain on Docker until the node's tasks run elsewhere, or the time is up. */
import { FutuswarmError } from '../core/errors.ts';
import { describeDrainLeftovers, describeDrainProgress, judgeDrain, type DrainProgress, type DrainScope } from '../core/node-drain.ts';
import type { DockerEngine } from '../docker/engine.ts';
import type { OpContext } from './op.ts';

const POLL_MS = 1000;
/** A progress line at least this often, even when nothing moved, so the wait shows it is alive. */
const QUIET_MS = 10_000;

export interface DrainWait {
  nodeName: string;
  scope: DrainScope;
  startedAt: number;
  timeoutSeconds: number;
}

/** What the drain looks like now, judged once. */
export async function observeDrain(ctx: OpContext, docker: DockerEngine, scope: DrainScope): Promise<DrainProgress> {
  const [services, tasks] = await Promise.all([docker.listAllServices(), docker.listAllTasks()]);
  return judgeDrain(scope, services, tasks, Date.now(), ctx.config.deploy.monitorSeconds * 1000);
}

/** Resolves when the drain is done; a `deploy_failed` error naming what stays when it times out. */
export async function followDrain(ctx: OpContext, docker: DockerEngine, w: DrainWait): Promise<DrainProgress> {
  const deadline = w.startedAt + w.timeoutSeconds * 1000;
  let said = '';
  let saidAt = 0;
  for (;;) {
    const progress = await observeDrain(ctx, docker, w.scope);
    const now = Date.now();
    const line = describeDrainProgress(progress, (now - w.startedAt) / 1000);
    const gist = line.replace(/ \(\d+ s\)$/, '');
    if (gist !== said || now - saidAt >= QUIET_MS) {
      ctx.progress('drain', line);
      [said, saidAt] = [gist, now];
    }
    if (progress.done) return progress;
    if (now > deadline) {
      const apps = progress.short.map((s) => s.service);
      throw new FutuswarmError('deploy_failed', `${w.nodeName} is drained, but its tasks did not all move within ${w.timeoutSeconds}s: ${describeDrainLeftovers(progress)}`, {
        hint:
          `${apps.length > 0 ? `see why with futuswarm app:inspect -n ${apps[0]}; ` : ''}` +
          `${w.nodeName} stays drained: run the drain again to keep waiting, or futuswarm admin node:activate ${w.nodeName} to place tasks on it again`,
        details: { staying: progress.staying, short: progress.short },
      });
    }
    if (ctx.signal.aborted) throw new FutuswarmError('interrupted', `stopped waiting; ${w.nodeName} stays drained`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
