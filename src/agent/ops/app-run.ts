/**
 * app.run: a one-off task with the app's image (exactly as it runs), its current secrets and
 * network, and the given argv: a Swarm replicated job of one task. Its output streams back as
 * it is written; its exit code is the result. The job is removed however the run ends.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { appNotFound, FutuswarmError } from '../../core/errors.ts';
import { buildJobSpec } from '../../core/job-spec.ts';
import { LABEL } from '../../core/service-spec.ts';
import { parseLogLine } from '../../docker/log-frames.ts';
import type { DockerEngine } from '../../docker/engine.ts';
import { ensureAppNetworks } from '../app-networks.ts';
import { removeJob, waitForJob } from '../job.ts';
import { pullAuthFor } from '../registry.ts';
import { defineOp, type OpContext } from '../op.ts';
import { loadApp } from '../release.ts';
import { runAttached } from '../run-attached.ts';
import { readSettingsLabel } from '../settings.ts';

const DEFAULT_TIMEOUT_SECONDS = 3600;

export default defineOp({
  op: 'app.run',
  access: 'app',
  // Audited (who ran what, with the app's secrets), but not under the deploy lock: a
  // migration is exactly what runs during an app:lock maintenance window.
  mutating: true,
  lock: false,
  async handle(ctx, args) {
    const gone = ctx.channel.watch();
    const current = await loadApp(ctx, args.app);
    if (!current.service) throw appNotFound(args.app);
    const docker = await ctx.docker();
    const image = current.service.labels[LABEL.image] ?? current.service.image;
    const settings = readSettingsLabel(current.service.labels) ?? current.settings ?? {};
    const attached = args.interactive === true || args.tty === true;
    const timeoutSeconds = args.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const spec = buildJobSpec(
      {
        app: args.app,
        id: randomBytes(4).toString('hex'),
        image,
        env: current.secrets.values,
        command: args.command,
        user: ctx.user,
        settings,
        defaultLimits: ctx.config.deploy.defaultLimits,
        ...(attached ? { holdSeconds: timeoutSeconds } : {}),
      },
    );
    await ensureAppNetworks(ctx, docker, args.app, settings, undefined);
    if (attached) return runAttached(ctx, args, spec);
    ctx.progress('run', `running ${JSON.stringify(args.command)} in ${spec.Name} (${image})`);
    const started = Date.now();
    const id = await docker.createService(spec, await pullAuthFor(ctx, image));
    const stop = new AbortController();
    const signal = AbortSignal.any([gone, ctx.signal, stop.signal, AbortSignal.timeout(timeoutSeconds * 1000)]);
    const seen = new Set<string>();
    try {
      const streaming = relayLogs(ctx, docker, id, seen, { follow: true }, signal);
      const task = await waitForJob(docker, id, signal);
      // Lines still in flight when the task ended: give them a moment, then read what is stored.
      await sleep(300);
      stop.abort();
      await streaming;
      await relayLogs(ctx, docker, id, seen, { follow: false });
      if (!task) {
        if (gone.aborted) throw new FutuswarmError('interrupted', `the caller went away; ${spec.Name} was stopped`);
        throw new FutuswarmError('interrupted', `${spec.Name} did not finish within ${args.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS}s and was stopped`, {
          hint: 'give it longer with --timeout',
        });
      }
      const exitCode = task.state === 'complete' ? 0 : task.exitCode;
      if (exitCode === undefined) {
        throw new FutuswarmError('invalid_input', `${spec.Name} could not start: ${task.error ?? task.message}`, {
          hint: `the command runs without a shell; for one, run: futuswarm app:run -n ${args.app} -- sh -c '…'`,
        });
      }
      ctx.progress('done', `${spec.Name} exited with code ${exitCode} after ${((Date.now() - started) / 1000).toFixed(1)}s`);
      // The runtime's own reason ("executable file not found") is not in the task; say what the codes mean.
      if (exitCode === 126 || exitCode === 127) {
        const why = exitCode === 127 ? 'was not found in the image' : 'is not executable';
        ctx.progress('hint', `exit code ${exitCode} usually means ${JSON.stringify(args.command[0])} ${why}; the command runs without a shell (for one: -- sh -c '…')`);
      }
      return { app: args.app, job: spec.Name, exitCode };
    } finally {
      stop.abort();
      // The finished container still holds the app's environment: it goes with the service.
      await removeJob(ctx, docker, id, args.app);
    }
  },
});

/** Send the job's lines as `log` events, each once (a line is known by its time and text). */
async function relayLogs(ctx: OpContext, docker: DockerEngine, id: string, seen: Set<string>, o: { follow: boolean }, signal?: AbortSignal): Promise<void> {
  try {
    for await (const raw of docker.serviceLogs(id, { follow: o.follow, timestamps: true }, signal)) {
      const line = parseLogLine(raw.text, { timestamps: true, details: false });
      const key = `${raw.stream} ${line.time ?? ''} ${line.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.emit({ type: 'log', stream: raw.stream, line: line.message });
    }
  } catch (e) {
    // Logs are a courtesy; the exit code is the answer.
    if (!signal?.aborted) ctx.progress('logs', `could not read the job's output: ${(e as Error).message}`);
  }
}
