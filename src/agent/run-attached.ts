/**
 * `app:run -it`: a one-off task with the app's image, secrets, network and limits that holds
 * (futuswarm-probe -hold, mounted from its node) while the command runs as an exec into it, with
 * the caller's input and terminal, on whichever node Swarm placed it (the node channel, as
 * app:exec). The task and its container go when the session ends, however it ends.
 */
import { FutuswarmError } from '../core/errors.ts';
import type { JobSpec } from '../core/job-spec.ts';
import type { OpArgs } from '../protocol.ts';
import type { RunResult } from '../results/app.ts';
import { callerGone } from './client-channel.ts';
import { execInTask, execOptions } from './task-exec.ts';
import { removeJob, waitForRunningTask } from './job.ts';
import type { OpContext } from './op.ts';
import { pullAuthFor } from './registry.ts';

/** How long the task may take to start (an image pull included). */
const START_TIMEOUT_MS = 300_000;

export async function runAttached(ctx: OpContext, args: OpArgs<'app.run'>, spec: JobSpec): Promise<RunResult> {
  const gone = ctx.channel.watch();
  const docker = await ctx.docker();
  const image = spec.TaskTemplate.ContainerSpec.Image;
  ctx.progress('run', `starting ${spec.Name} (${image}) for ${JSON.stringify(args.command)}`);
  const id = await docker.createService(spec, await pullAuthFor(ctx, image));
  try {
    const task = await waitForRunningTask(docker, id, AbortSignal.any([gone, ctx.signal, AbortSignal.timeout(START_TIMEOUT_MS)]));
    if (!task) {
      if (gone.aborted) throw callerGone(gone);
      throw new FutuswarmError('unavailable', `${spec.Name} did not start within ${START_TIMEOUT_MS / 1000}s`, {
        hint: `futuswarm app:inspect -n ${args.app} shows whether the app's own tasks start`,
      });
    }
    const { exitCode } = await execInTask(ctx, args.app, task, spec.Name, execOptions(args), { emit: ctx.emit, channel: ctx.channel, gone });
    ctx.progress('done', `${spec.Name} ended with code ${exitCode ?? 'unknown'}`);
    return { app: args.app, job: spec.Name, exitCode: exitCode ?? 1 };
  } finally {
    // The container holds the app's environment: it goes with the session.
    await removeJob(ctx, docker, id, args.app);
  }
}
