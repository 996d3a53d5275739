/**
 * app.exec: run a command inside one of the app's running containers and attach the caller
 * to it. After the step `attached`, the caller's input arrives as client messages and the
 * command's output leaves as `output` events; the result is its exit code.
 *
 * Tasks on this manager are reached through its own engine. Tasks on other nodes need the
 * manager → node channel described in docs/decisions.md; until a cluster has it, such a task
 * is refused with `unavailable`, and a task on this manager is preferred whenever there is one.
 */
import { once } from 'node:events';
import { FutuswarmError } from '../../core/errors.ts';
import { LABEL } from '../../core/service-spec.ts';
import { FrameDecoder } from '../../docker/log-frames.ts';
import type { TaskInfo } from '../../docker/engine.ts';
import { ATTACHED_STEP } from '../../protocol.ts';
import { clientChannel } from '../client-channel.ts';
import { defineOp } from '../op.ts';
import { appNotFound } from './app-inspect.ts';

export default defineOp({
  op: 'app.exec',
  access: 'app',
  // Audited (who ran what inside the app), not locked: it changes no release.
  mutating: true,
  lock: false,
  async handle(ctx, args) {
    const channel = clientChannel();
    const gone = channel.watch();
    const docker = await ctx.docker();
    const service = await docker.findService(args.app);
    if (!service || service.labels[LABEL.app] !== args.app) throw appNotFound(args.app);
    const [tasks, here, nodes] = await Promise.all([docker.listTasks(service.id), docker.swarmNodeId(), docker.listNodes()]);
    const task = chooseTask(args.app, tasks, here, args.task);
    const node = nodes.find((n) => n.id === task.nodeId);
    const name = `${args.app}.${task.slot ?? '?'}.${task.id.slice(0, 12)}@${node?.hostname ?? task.nodeId?.slice(0, 12) ?? '?'}`;
    if (task.nodeId !== here) {
      throw new FutuswarmError('unavailable', `task ${name} runs on another node (${node?.hostname ?? task.nodeId}${node?.addr ? `, ${node.addr}` : ''}), and this cluster has no manager → node exec channel`, {
        hint: 'an admin enables it per docs/decisions.md ("app:exec on other nodes"); meanwhile pick a task on the manager with --task, see futuswarm app:inspect',
      });
    }
    const tty = args.tty === true;
    const session = await docker.exec(task.containerId ?? '', {
      cmd: args.command,
      tty,
      stdin: args.interactive === true,
      ...(args.cols ? { cols: args.cols } : {}),
      ...(args.rows ? { rows: args.rows } : {}),
    });
    ctx.progress(ATTACHED_STEP, `attached to ${name}${tty ? ' with a terminal' : ''}`);

    const frames = new FrameDecoder(!tty);
    const send = (chunks: ReturnType<FrameDecoder['push']>) => {
      for (const c of chunks) ctx.emit({ type: 'output', stream: c.stream, data: c.data.toString('base64') });
    };
    const ended = new Promise<void>((resolve) => {
      session.stream.on('data', (chunk: Buffer) => send(frames.push(chunk)));
      session.stream.once('end', resolve);
      session.stream.once('close', resolve);
      session.stream.once('error', () => resolve());
    });
    const leave = () => session.stream.destroy();
    gone.addEventListener('abort', leave, { once: true });

    const input = (async () => {
      for await (const message of channel.messages()) {
        if (message.type === 'stdin' && args.interactive) {
          // Backpressure: stop reading the caller while the command does not keep up.
          if (!session.stream.write(Buffer.from(message.data, 'base64'))) await once(session.stream, 'drain');
        }
        else if (message.type === 'eof' && args.interactive) session.stream.end();
        else if (message.type === 'resize' && tty) await session.resize(message.cols, message.rows);
      }
    })().catch((e: unknown) => {
      ctx.progress('input', `stopped reading input: ${(e as Error).message}`);
      leave();
    });

    await ended;
    gone.removeEventListener('abort', leave);
    send(frames.end());
    void input;
    if (gone.aborted) throw new FutuswarmError('interrupted', 'the caller went away; the command was detached');
    const exitCode = await session.exitCode();
    return { app: args.app, task: name, exitCode: exitCode ?? null };
  },
});

/**
 * The task to exec into: the one asked for (slot or ID prefix), else a running task on this
 * manager, else any running task.
 */
export function chooseTask(app: string, tasks: readonly TaskInfo[], here: string | undefined, wanted: string | undefined): TaskInfo {
  const running = tasks.filter((t) => t.state === 'running' && t.desiredState === 'running' && t.containerId);
  if (wanted !== undefined) {
    const found = running.find((t) => String(t.slot) === wanted || t.id.startsWith(wanted));
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
