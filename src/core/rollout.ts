/**
 * Judging a rollout from what Swarm reports. Pure: the agent polls Docker and asks this
 * function whether to keep waiting, report success, or report failure.
 */

export interface ObservedTask {
  id: string;
  state: string;
  desiredState: string;
  release: string | undefined;
  error: string | undefined;
  message: string;
  exitCode: number | undefined;
  /** When the task entered its current state (ms since epoch). */
  since: number;
  containerId?: string | undefined;
}

export interface RolloutObservation {
  /** The release the service should end up running. */
  release: string;
  desiredReplicas: number;
  /** Whether the task template changed, so Swarm runs a rolling update. */
  rolling: boolean;
  /** Swarm's UpdateStatus.State, only when it belongs to this rollout. */
  updateState: string | undefined;
  updateMessage: string | undefined;
  tasks: ObservedTask[];
  now: number;
  /** How long new tasks must stay running before a new service counts as healthy. */
  monitorMs: number;
}

export type RolloutVerdict =
  | { status: 'waiting'; running: number; desired: number }
  | { status: 'converged'; running: number }
  | { status: 'failed'; reason: string; failedTasks: ObservedTask[]; rolledBack: boolean };

/**
 * A service's task never ends on its own: `complete` (its process exited 0, e.g. an app that
 * shuts down cleanly on the SIGTERM Swarm sends an unhealthy task) fails a release as much as
 * `failed` does. Tasks Swarm stops itself end `shutdown`, which is not a failure.
 */
const FAILED_STATES = new Set(['failed', 'rejected', 'orphaned', 'complete']);
const ROLLBACK_STATES = new Set(['rollback_started', 'rollback_paused', 'rollback_completed']);
/** A new service is given up on after this many failed tasks of its release. */
export const MAX_FAILED_TASKS = 2;

export function judgeRollout(o: RolloutObservation): RolloutVerdict {
  const current = o.tasks.filter((t) => t.release === o.release);
  const running = current.filter((t) => t.state === 'running' && t.desiredState === 'running');
  const failed = current.filter((t) => FAILED_STATES.has(t.state));

  if (o.rolling && o.updateState !== undefined) {
    if (ROLLBACK_STATES.has(o.updateState) || o.updateState === 'paused') {
      if (o.updateState === 'rollback_started') return { status: 'waiting', running: running.length, desired: o.desiredReplicas };
      return {
        status: 'failed',
        reason: o.updateMessage || `update ${o.updateState}`,
        failedTasks: failed,
        rolledBack: o.updateState === 'rollback_completed',
      };
    }
  }

  if (failed.some((t) => t.state === 'rejected') || failed.length >= MAX_FAILED_TASKS) {
    // Swarm rolls back a rolling update on its own; wait for it to say so.
    if (o.rolling) return { status: 'waiting', running: running.length, desired: o.desiredReplicas };
    return { status: 'failed', reason: 'tasks of the new release keep failing', failedTasks: failed, rolledBack: false };
  }

  const stable = running.filter((t) => o.now - t.since >= o.monitorMs);
  const others = o.tasks.filter((t) => t.release !== o.release && t.state === 'running' && t.desiredState === 'running');
  const updateDone = !o.rolling || o.updateState === 'completed';
  if (updateDone && stable.length === o.desiredReplicas && running.length === o.desiredReplicas && others.length === 0) {
    return { status: 'converged', running: running.length };
  }
  return { status: 'waiting', running: running.length, desired: o.desiredReplicas };
}

/** One line per failed task, for the error the user sees. */
export function describeFailedTasks(tasks: readonly ObservedTask[], healthCheck?: string, probes: readonly FailedProbe[] = []): string[] {
  return tasks.map((t) => {
    const why = t.error ?? t.message;
    const code = t.exitCode !== undefined && t.exitCode !== 0 ? ` (exit code ${t.exitCode})` : '';
    const probe = probes.find((p) => p.taskId === t.id);
    const check = failedHealthCheck(t) || probe ? `; health check: ${healthCheck ?? "the image's HEALTHCHECK"}${probe?.output ? `: ${probe.output}` : ''}` : '';
    return `task ${t.id.slice(0, 12)} ${t.state}: ${why}${code}${check}`;
  });
}

/** A task whose container's last health probe failed, and what that probe printed. */
export interface FailedProbe {
  taskId: string;
  output: string;
}

/** Swarm's task error when a container failed its health check. */
const UNHEALTHY = /unhealthy container/i;

export function failedHealthCheck(task: Pick<ObservedTask, 'error' | 'message'>): boolean {
  return UNHEALTHY.test(task.error ?? '') || UNHEALTHY.test(task.message);
}

/**
 * Why a release failed, in words a person acts on: which health check failed, or that the
 * container exited at start. `healthCheck` describes the app's check (e.g. `GET /healthz on
 * port 8000`); undefined means the image's own HEALTHCHECK; `probes` are the tasks whose last
 * health probe failed, with what it printed. Undefined when no task says why.
 */
export function explainFailure(tasks: readonly ObservedTask[], healthCheck: string | undefined, probes: readonly FailedProbe[] = []): string | undefined {
  const short = (t: ObservedTask): string => t.id.slice(0, 12);
  // Swarm says "unhealthy container" unless the app exited cleanly on the SIGTERM it got for it;
  // then only the container's health log tells.
  const unhealthy = tasks.filter((t) => failedHealthCheck(t) || probes.some((p) => p.taskId === t.id));
  if (unhealthy.length > 0) {
    const check = healthCheck ?? "the image's HEALTHCHECK";
    const said = probes.find((p) => unhealthy.some((t) => t.id === p.taskId))?.output;
    return `the health check (${check}) failed on task ${unhealthy.map(short).join(', ')}${said ? `: ${said}` : ''}`;
  }
  const exited = tasks.filter((t) => t.exitCode !== undefined && t.exitCode !== 0);
  if (exited.length > 0) {
    const codes = [...new Set(exited.map((t) => t.exitCode))].join(', ');
    return `the container exited with code ${codes} (task ${exited.map(short).join(', ')})`;
  }
  const rejected = tasks.find((t) => t.state === 'rejected');
  if (rejected) return `Swarm could not start task ${short(rejected)}: ${rejected.error ?? rejected.message}`;
  return undefined;
}

export const ENDED_STATES: ReadonlySet<string> = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

/**
 * The tasks that can tell how this rollout goes: every task still alive, and the ended ones
 * created since it started. An earlier failed attempt may have carried the same release
 * number (failed releases are not recorded); its dead tasks say nothing about this one.
 * `slackMs` allows for clocks of managers that differ a little.
 */
export function tasksSince<T extends { state: string; createdAt: string }>(tasks: readonly T[], startedAt: number, slackMs = 1000): T[] {
  return tasks.filter((t) => !ENDED_STATES.has(t.state) || Date.parse(t.createdAt) >= startedAt - slackMs);
}

/**
 * What the failing probes said most often (the latest on a tie): the last probe may have hit
 * the app while Swarm was already stopping it (`connection reset`), which is not why it failed.
 */
export function mostTelling(outputs: readonly string[]): string {
  let best = '';
  let bestCount = 0;
  for (const output of outputs) {
    const count = outputs.filter((o) => o === output).length;
    if (count >= bestCount) [best, bestCount] = [output, count];
  }
  return best;
}
