/**
 * Swarm jobs of one task (app:run, the registry's garbage collection): waiting for the task to
 * end, and removing everything it leaves behind. Swarm keeps a finished job's container even
 * after its service is removed, and that container still holds the app's environment, secrets
 * included: so the agent removes it, on this node itself and on another through that node's
 * agent (the node channel).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerEngine, TaskInfo } from '../docker/engine.ts';
import { FutuswarmError } from '../core/errors.ts';
import type { OpContext } from './op.ts';

const POLL_MS = 250;
/** Task states after which the job's one task will not run again. */
const DONE = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

/** The job's task once it has ended; undefined when `signal` aborts first. */
export async function waitForJob(docker: DockerEngine, id: string, signal: AbortSignal): Promise<TaskInfo | undefined> {
  while (!signal.aborted) {
    const done = (await docker.listTasks(id)).find((t) => DONE.has(t.state));
    if (done) return done;
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

/**
 * Remove the job's service, then its containers. `app`: whose job it is, which lets another
 * node's agent remove it there; without it, only containers on this node are removed.
 * Never throws: what cannot be removed is said as a warning.
 */
export async function removeJob(ctx: OpContext, docker: DockerEngine, serviceId: string, app?: string): Promise<void> {
  const tasks = await docker.listTasks(serviceId).catch(() => [] as TaskInfo[]);
  await docker.removeService(serviceId).catch(() => undefined);
  const here = await docker.swarmNodeId().catch(() => undefined);
  for (const task of tasks) {
    const containerId = task.containerId;
    if (!containerId) continue;
    try {
      if (task.nodeId === here) {
        await docker.removeContainer(containerId);
      } else if (app !== undefined && ctx.config.nodeChannel) {
        const node = (await docker.listNodes()).find((n) => n.id === task.nodeId);
        const { removeJobContainerOnNode } = await import('./node-channel.ts');
        await retryWhileRunning(async () => removeJobContainerOnNode(ctx.config, await ctx.state(), { addr: node?.addr ?? '', hostname: node?.hostname ?? task.nodeId ?? '?' }, { app, containerId }));
      } else {
        ctx.progress('cleanup', `warning: the job's container ${containerId.slice(0, 12)} stays on node ${task.nodeId?.slice(0, 12) ?? '?'} (no node channel to remove it)`);
      }
    } catch (e) {
      ctx.progress('cleanup', `warning: could not remove the job's container ${containerId.slice(0, 12)}: ${(e as Error).message}`);
    }
  }
}

/** The node refuses a job container that still runs; Swarm stops it shortly after its service went. */
async function retryWhileRunning(remove: () => Promise<boolean>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await remove();
      return;
    } catch (e) {
      if (attempt >= 10 || (e as { code?: string }).code !== 'not_found') throw e;
      await sleep(500);
    }
  }
}

/**
 * The job's task once it runs, with its container (app:run -it attaches to it); undefined when
 * `signal` ends the wait first. A task that ends or fails to start is an error with its reason.
 */
export async function waitForRunningTask(docker: DockerEngine, id: string, signal: AbortSignal): Promise<TaskInfo | undefined> {
  while (!signal.aborted) {
    const tasks = await docker.listTasks(id);
    const running = tasks.find((t) => t.state === 'running' && t.containerId);
    if (running) return running;
    const ended = tasks.find((t) => DONE.has(t.state));
    if (ended) {
      throw new FutuswarmError('unavailable', `the one-off task did not start: ${ended.error ?? ended.message ?? ended.state}`, {
        hint: 'futuswarm app:inspect shows whether the app\'s own tasks start on this cluster',
      });
    }
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}
