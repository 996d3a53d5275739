/**
 * Waiting for a cluster service that runs one task per node (the proxy, the registry) to
 * converge on a new spec: every wanted task runs the spec with `hash`, and the instance on this
 * node answers (`ready`). Progress as tasks change; failure after too many failed tasks, a
 * rollback by Swarm, or the timeout.
 */
import { FutuswarmError } from '../core/errors.ts';
import type { DockerEngine, TaskInfo } from '../docker/engine.ts';
import type { OpContext } from './op.ts';

const POLL_MS = 500;
const FAILED_STATES = new Set(['failed', 'rejected', 'orphaned']);
export const ROLLBACK_STATES = new Set(['rollback_started', 'rollback_paused', 'rollback_completed', 'paused']);
/** A new spec is given up on after this many failed tasks. */
const MAX_FAILED_TASKS = 3;
/** The label that carries a cluster service's spec hash, on the service and its tasks. */
export const SPEC_HASH_LABEL = 'futuswarm.spec-hash';

export interface GlobalServiceWait {
  serviceId: string;
  hash: string;
  startedAt: number;
  timeoutMs: number;
  /** undefined when the instance on this node serves; otherwise what is still missing. */
  ready(): Promise<string | undefined>;
  /** The error when it does not converge. */
  failed(reason: string, taskErrors: string[]): FutuswarmError;
}

/** Resolves with the number of running tasks. */
export async function waitForGlobalService(ctx: OpContext, docker: DockerEngine, w: GlobalServiceWait): Promise<number> {
  const seen = new Map<string, string>();
  const deadline = w.startedAt + w.timeoutMs;
  let lastProblem = 'no task has started yet';
  const errorsOf = (tasks: readonly TaskInfo[]) => tasks.filter((t) => t.error).map((t) => `task ${t.id.slice(0, 12)} ${t.state}: ${t.error}`).slice(-10);
  for (;;) {
    const [service, tasks] = await Promise.all([docker.findServiceById(w.serviceId), docker.listTasks(w.serviceId)]);
    const ours = tasks.filter((t) => t.labels[SPEC_HASH_LABEL] === w.hash);
    for (const t of ours) {
      // History from before this run is not news.
      if (seen.get(t.id) === t.state || (t.desiredState !== 'running' && t.since < w.startedAt - 1000)) continue;
      seen.set(t.id, t.state);
      ctx.progress('task', `task ${t.id.slice(0, 12)} on node ${t.nodeId?.slice(0, 12) ?? '?'} ${t.state}${t.error ? `: ${t.error}` : ''}`);
    }
    const updateIsOurs = service?.updateStartedAt !== undefined && Date.parse(service.updateStartedAt) >= w.startedAt - 1000;
    if (updateIsOurs && ROLLBACK_STATES.has(service?.updateState ?? '')) {
      throw w.failed(`Swarm stopped the update (${service?.updateState}): ${service?.updateMessage ?? ''}`, errorsOf(ours));
    }
    // Failures from before this run (a restarted daemon, an old crash) do not count against it.
    const failedTasks = ours.filter((t) => FAILED_STATES.has(t.state) && t.since >= w.startedAt - 1000);
    if (failedTasks.length >= MAX_FAILED_TASKS) throw w.failed(`${failedTasks.length} tasks failed`, errorsOf(failedTasks));

    const wanted = tasks.filter((t) => t.desiredState === 'running');
    const stale = wanted.filter((t) => t.labels[SPEC_HASH_LABEL] !== w.hash);
    const starting = wanted.filter((t) => t.state !== 'running');
    const updating = updateIsOurs && service?.updateState === 'updating';
    if (wanted.length > 0 && stale.length === 0 && starting.length === 0 && !updating) {
      const problem = await w.ready();
      if (problem === undefined) return wanted.length;
      lastProblem = problem;
    } else {
      lastProblem = `${wanted.length - starting.length - stale.length}/${wanted.length} task(s) of the new configuration running`;
    }
    if (Date.now() > deadline) throw w.failed(`not serving after ${Math.round(w.timeoutMs / 1000)}s: ${lastProblem}`, errorsOf(ours));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
