/**
 * app.exec: run a command inside one of the app's running containers and attach the caller
 * to it. After the step `attached`, the caller's input arrives as client messages and the
 * command's output leaves as `output` events; the result is its exit code.
 *
 * Tasks on this manager are reached through its own engine; tasks on other nodes through the
 * node channel (node-channel.ts): this agent logs in to the node's agent and relays.
 */
import { appNotFound, FutuswarmError } from '../../core/errors.ts';
import { LABEL } from '../../core/service-spec.ts';
import type { TaskInfo } from '../../docker/engine.ts';
import { execInTask, execOptions } from '../task-exec.ts';
import { defineOp } from '../op.ts';

export default defineOp({
  op: 'app.exec',
  access: 'app',
  // Audited (who ran what inside the app), not locked: it changes no release.
  mutating: true,
  lock: false,
  async handle(ctx, args) {
    const channel = ctx.channel;
    const gone = channel.watch();
    const docker = await ctx.docker();
    const service = await docker.findService(args.app);
    if (!service || service.labels[LABEL.app] !== args.app) throw appNotFound(args.app);
    const [tasks, here] = await Promise.all([docker.listTasks(service.id), docker.swarmNodeId()]);
    const task = chooseTask(args.app, tasks, here, args.task);
    const { name, exitCode } = await execInTask(ctx, args.app, task, `${args.app}.${task.slot ?? '?'}.${task.id.slice(0, 12)}`, execOptions(args), { emit: ctx.emit, channel, gone });
    return { app: args.app, task: name, exitCode };
  },
});

/**
 * The task to exec into: the one asked for (slot or ID prefix), else a running task on this
 * manager, else any running task.
 */
export function chooseTask(app: string, tasks: readonly TaskInfo[], here: string | undefined, wanted: string | undefined): TaskInfo {
  const running = tasks.filter((t) => t.state === 'running' && t.desiredState === 'running' && t.containerId);
  if (wanted !== undefined) {
    // A slot number wins over an ID that happens to start with the same digits.
    const found = running.find((t) => String(t.slot) === wanted) ?? running.find((t) => t.id.startsWith(wanted));
    if (!found) {
      throw new FutuswarmError('not_found', `${app} has no running task ${wanted}`, { hint: `futuswarm app:inspect -n ${app} lists its tasks` });
    }
    return found;
  }
  const chosen = running.find((t) => t.nodeId === here) ?? running[0];
  if (!chosen) {
    throw new FutuswarmError('not_found', `${app} has no running task to exec into`, { hint: `futuswarm app:inspect -n ${app} shows why` });
  }
  return chosen;
}
