/**
 * An attached command in a task, wherever Swarm runs it: on this manager directly, on another
 * node through that node's agent (the node channel). app:exec and app:run -it both end here.
 */
import type { TaskInfo } from '../docker/engine.ts';
import { runAttachedExec, type ExecIo, type ExecOptions } from './exec-session.ts';
import type { OpContext } from './op.ts';

/** What app:exec's and app:run's arguments ask of the session. */
export function execOptions(args: { command: string[]; interactive?: boolean | undefined; tty?: boolean | undefined; cols?: number | undefined; rows?: number | undefined }): ExecOptions {
  return { command: args.command, interactive: args.interactive === true, tty: args.tty === true, cols: args.cols, rows: args.rows };
}

/** `label@node`, how messages name the task; and its exit code (null when Docker does not know it). */
export async function execInTask(ctx: OpContext, app: string, task: TaskInfo, label: string, options: ExecOptions, io: ExecIo): Promise<{ name: string; exitCode: number | null }> {
  const docker = await ctx.docker();
  const [here, nodes] = await Promise.all([docker.swarmNodeId(), docker.listNodes()]);
  const node = nodes.find((n) => n.id === task.nodeId);
  const hostname = node?.hostname ?? task.nodeId?.slice(0, 12) ?? '?';
  const name = `${label}@${hostname}`;
  if (task.nodeId === here) return { name, exitCode: await runAttachedExec(docker, task.containerId ?? '', name, options, io) };
  const { execOnNode } = await import('./node-channel.ts');
  const target = { addr: node?.addr ?? '', hostname };
  return { name, exitCode: await execOnNode(ctx.config, await ctx.state(), target, { app, containerId: task.containerId ?? '', name, ...options }, io) };
}
