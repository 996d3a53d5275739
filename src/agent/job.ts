/** Waiting for a Swarm job of one task (app:run, the registry's garbage collection) to end. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerEngine, TaskInfo } from '../docker/engine.ts';

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
