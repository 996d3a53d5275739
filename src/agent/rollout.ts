/** Follows a rollout on Docker until it converges, fails or times out, reporting each change. */
import { describeFailedTasks, explainFailure, failedHealthCheck, judgeRollout, mostTelling, tasksSince, type FailedProbe, type ObservedTask } from '../core/rollout.ts';
import type { DockerEngine } from '../docker/engine.ts';
import type { OpContext } from './op.ts';

export interface RolloutRequest {
  serviceId: string;
  release: string;
  desiredReplicas: number;
  rolling: boolean;
  startedAt: number;
  timeoutSeconds: number;
  /** The app's health check in words (`GET /healthz on port 8000`); undefined: the image's own. */
  healthCheck?: string | undefined;
}

export type RolloutOutcome =
  | { status: 'converged'; running: number }
  | { status: 'failed'; reason: string; rolledBack: boolean; taskErrors: string[]; healthCheckFailed: boolean };

/** Two Docker reads a poll; a converged rollout is seen at most this long after Swarm says so. */
const POLL_MS = 100;
const LOG_LINES = 20;
const HEALTH_PROBES = 3;
/** With no task changing, a line this often says where the rollout stands. */
const QUIET_REPORT_MS = 5_000;

export async function followRollout(ctx: OpContext, docker: DockerEngine, r: RolloutRequest): Promise<RolloutOutcome> {
  const deadline = r.startedAt + r.timeoutSeconds * 1000;
  const seen = new Map<string, string>();
  // Swarm says why it rolls back only while the rollback starts; keep that reason.
  let rollbackReason: string | undefined;
  let lastReport = Date.now();
  for (;;) {
    const [service, tasks] = await Promise.all([docker.findServiceById(r.serviceId), docker.listTasks(r.serviceId)]);
    const observed: ObservedTask[] = tasksSince(tasks, r.startedAt).map((t) => ({ ...t }));
    const changes: string[] = [];
    for (const t of observed) {
      if (t.release !== r.release || seen.get(t.id) === t.state) continue;
      seen.set(t.id, t.state);
      const why = t.error ? `: ${t.error}` : '';
      const check = failedHealthCheck(t) ? ` (health check: ${r.healthCheck ?? "the image's HEALTHCHECK"})` : '';
      changes.push(`task ${t.id.slice(0, 12)} (release ${t.release}) ${t.state}${why}${check}`);
    }
    // UpdateStatus left over from an earlier update says nothing about this one.
    const ours = service?.updateStartedAt !== undefined && Date.parse(service.updateStartedAt) >= r.startedAt - 1000;
    if (ours && service?.updateState === 'rollback_started' && service.updateMessage) rollbackReason ??= service.updateMessage;
    const verdict = judgeRollout({
      release: r.release,
      desiredReplicas: r.desiredReplicas,
      rolling: r.rolling,
      updateState: ours ? service?.updateState : undefined,
      updateMessage: ours ? service?.updateMessage : undefined,
      tasks: observed,
      now: Date.now(),
      monitorMs: ctx.config.deploy.monitorSeconds * 1000,
    });
    // Where it stands, with each change and every few seconds while nothing changes.
    const running = verdict.status === 'failed' ? observed.filter((t) => t.release === r.release && t.state === 'running').length : verdict.running;
    const where = `${running}/${r.desiredReplicas} task(s) of release ${r.release} running, ${((Date.now() - r.startedAt) / 1000).toFixed(1)}s`;
    for (const change of changes) ctx.progress('task', `${change} [${where}]`);
    if (changes.length > 0) lastReport = Date.now();
    else if (Date.now() - lastReport >= QUIET_REPORT_MS && verdict.status === 'waiting') {
      ctx.progress('wait', `waiting: ${where}${running >= r.desiredReplicas ? `, healthy for the monitor window (${ctx.config.deploy.monitorSeconds}s)` : ''}`);
      lastReport = Date.now();
    }
    if (verdict.status === 'converged') return verdict;
    if (verdict.status === 'failed') {
      const probes = await reportTaskLogs(ctx, docker, verdict.failedTasks);
      return {
        status: 'failed',
        reason: explainFailure(verdict.failedTasks, r.healthCheck, probes) ?? rollbackReason ?? verdict.reason,
        rolledBack: verdict.rolledBack,
        taskErrors: describeFailedTasks(verdict.failedTasks, r.healthCheck, probes),
        healthCheckFailed: probes.length > 0 || verdict.failedTasks.some(failedHealthCheck),
      };
    }
    if (Date.now() > deadline) {
      const failed = observed.filter((t) => t.release === r.release && (t.state === 'failed' || t.state === 'rejected'));
      const probes = await reportTaskLogs(ctx, docker, failed);
      return {
        status: 'failed',
        reason: `not converged after ${r.timeoutSeconds}s (${verdict.running}/${verdict.desired} tasks running)`,
        rolledBack: false,
        taskErrors: describeFailedTasks(failed, r.healthCheck, probes),
        healthCheckFailed: probes.length > 0 || failed.some(failedHealthCheck),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The last lines of each failed task, and what its health probes said (tasks on this node).
 * Returns the tasks whose last probe failed, with what it printed, for the failure's message.
 */
async function reportTaskLogs(ctx: OpContext, docker: DockerEngine, tasks: readonly ObservedTask[]): Promise<FailedProbe[]> {
  const failedProbes: FailedProbe[] = [];
  for (const task of tasks.slice(-3)) {
    const source = task.id.slice(0, 12);
    for (const line of await docker.taskLogs(task.id, LOG_LINES)) {
      ctx.emit({ type: 'log', stream: 'stderr', source, line });
    }
    if (!task.containerId) continue;
    const probes = (await docker.healthLog(task.containerId)).slice(-HEALTH_PROBES);
    const last = probes.at(-1);
    if (last === undefined || (last.exitCode === 0 && !failedHealthCheck(task))) continue;
    const oneLine = (output: string) => output.trim().split('\n').filter((l) => l.trim() !== '').slice(-2).join(' / ');
    for (const probe of probes) {
      const output = oneLine(probe.output);
      ctx.emit({ type: 'log', stream: 'stderr', source: `${source} health`, line: `exit ${probe.exitCode}${output ? `: ${output}` : ''}` });
    }
    if (last.exitCode !== 0) failedProbes.push({ taskId: task.id, output: mostTelling(probes.filter((p) => p.exitCode !== 0).map((p) => oneLine(p.output))) });
  }
  return failedProbes;
}

