/** Follows a rollout on Docker until it converges, fails or times out, reporting each change. */
import { describeFailedTasks, judgeRollout, type ObservedTask } from '../core/rollout.ts';
import type { DockerEngine } from '../docker/engine.ts';
import type { OpContext } from './op.ts';

export interface RolloutRequest {
  serviceId: string;
  release: string;
  desiredReplicas: number;
  rolling: boolean;
  startedAt: number;
  timeoutSeconds: number;
}

export type RolloutOutcome =
  | { status: 'converged'; running: number }
  | { status: 'failed'; reason: string; rolledBack: boolean; taskErrors: string[] };

const POLL_MS = 250;
const LOG_LINES = 20;

export async function followRollout(ctx: OpContext, docker: DockerEngine, r: RolloutRequest): Promise<RolloutOutcome> {
  const deadline = r.startedAt + r.timeoutSeconds * 1000;
  const seen = new Map<string, string>();
  // Swarm says why it rolls back only while the rollback starts; keep that reason.
  let rollbackReason: string | undefined;
  for (;;) {
    const [service, tasks] = await Promise.all([docker.findServiceById(r.serviceId), docker.listTasks(r.serviceId)]);
    const observed: ObservedTask[] = tasks.map((t) => ({ ...t }));
    for (const t of observed) {
      if (t.release !== r.release || seen.get(t.id) === t.state) continue;
      seen.set(t.id, t.state);
      const why = t.error ? `: ${t.error}` : '';
      ctx.progress('task', `task ${t.id.slice(0, 12)} (release ${t.release}) ${t.state}${why}`);
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
    if (verdict.status === 'converged') return verdict;
    if (verdict.status === 'failed') {
      await reportTaskLogs(ctx, docker, verdict.failedTasks);
      return { status: 'failed', reason: rollbackReason ?? verdict.reason, rolledBack: verdict.rolledBack, taskErrors: describeFailedTasks(verdict.failedTasks) };
    }
    if (Date.now() > deadline) {
      const failed = observed.filter((t) => t.release === r.release && (t.state === 'failed' || t.state === 'rejected'));
      await reportTaskLogs(ctx, docker, failed);
      return {
        status: 'failed',
        reason: `not converged after ${r.timeoutSeconds}s (${verdict.running}/${verdict.desired} tasks running)`,
        rolledBack: false,
        taskErrors: describeFailedTasks(failed),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function reportTaskLogs(ctx: OpContext, docker: DockerEngine, tasks: readonly ObservedTask[]): Promise<void> {
  for (const task of tasks.slice(-3)) {
    for (const line of await docker.taskLogs(task.id, LOG_LINES)) {
      ctx.emit({ type: 'log', stream: 'stderr', source: task.id.slice(0, 12), line });
    }
  }
}
