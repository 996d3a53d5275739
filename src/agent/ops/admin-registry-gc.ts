/**
 * admin.registry.gc: free the layers no manifest names any more (after app:images --prune,
 * the automatic limit, or app:remove --purge). Distribution collects offline, so:
 *   1. every registry instance goes read-only (pulls go on; pushes are refused with a hint),
 *   2. a one-off Swarm job on this manager runs `registry garbage-collect` over the storage,
 *   3. every instance becomes writable again, which also restarts it and drops the in-memory
 *      blob cache that could otherwise claim a swept layer still exists.
 * Step 3 runs however step 2 ends. A dry run skips 1 and 3 and deletes nothing.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FutuswarmError } from '../../core/errors.ts';
import { buildRegistryGcJobSpec, parseGcOutput } from '../../core/registry-gc.ts';
import { REGISTRY_LABEL, REGISTRY_SERVICE, type SecretRef } from '../../core/registry-spec.ts';
import { parseLogLine } from '../../docker/log-frames.ts';
import type { DockerEngine } from '../../docker/engine.ts';
import type { RegistryGcResult } from '../../results/admin.ts';
import { removeJob, waitForJob } from '../job.ts';
import { defineOp, type OpContext } from '../op.ts';
import { registryStorage } from '../registry.ts';
import { deployRegistry, registrySecrets } from './admin-registry-deploy.ts';

const DEFAULT_TIMEOUT_SECONDS = 1800;

export default defineOp({
  op: 'admin.registry.gc',
  access: 'admin',
  mutating: true,
  handle: (ctx, args) => collectGarbage(ctx, { dryRun: args.dryRun ?? false, timeoutSeconds: args.timeoutSeconds }),
});

async function collectGarbage(ctx: OpContext, args: { dryRun: boolean; timeoutSeconds?: number | undefined }): Promise<RegistryGcResult> {
  const started = Date.now();
  const [docker, state] = await Promise.all([ctx.docker(), ctx.state()]);
  const existing = await docker.findService(REGISTRY_SERVICE);
  if (!existing || existing.labels[REGISTRY_LABEL.registry] !== 'true') {
    throw new FutuswarmError('not_found', 'the cluster has no registry to clean', { hint: 'deploy it first: futuswarm admin registry:deploy' });
  }
  const since = existing.labels[REGISTRY_LABEL.readOnlySince];
  if (since !== undefined) {
    throw new FutuswarmError('conflict', `the registry has been read-only since ${since}: another garbage collection is running, or one was interrupted`, {
      hint: 'wait for it; if none is running, make the registry writable again with: futuswarm admin registry:deploy',
    });
  }
  const storage = registryStorage(ctx.config);
  const where = `s3://${storage.bucket}/${storage.prefix}`;
  const nodeId = await docker.swarmNodeId();
  if (!nodeId) throw new FutuswarmError('config', 'this node is not part of a swarm', { hint: 'run futuswarm admin registry:gc against a manager' });
  const timeoutMs = (args.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;

  const before = await state.registryBlobs.sizes(storage.prefix);
  let report;
  if (args.dryRun) {
    // Nothing is deleted, so nothing has to stop: the writable configuration will do.
    const { config } = await registrySecrets(ctx, false);
    report = await runCollector(ctx, docker, { config, nodeId, dryRun: true, timeoutMs });
  } else {
    ctx.progress('read-only', `making the registry read-only on every node (pulls go on, pushes wait) to collect ${where}`);
    try {
      const { config } = await deployRegistry(ctx, { readOnlySince: new Date().toISOString() });
      report = await runCollector(ctx, docker, { config, nodeId, dryRun: false, timeoutMs });
    } finally {
      ctx.progress('writable', 'making the registry writable again, one node at a time');
      await deployRegistry(ctx, {});
    }
  }
  // What stays: the listing after the collection, or in a dry run the listing without what it named.
  const deleted = new Set(report.blobsDeleted);
  const left = args.dryRun ? [...before].filter(([digest]) => !deleted.has(digest)).map(([, size]) => size) : [...(await state.registryBlobs.sizes(storage.prefix)).values()];
  const sum = (sizes: Iterable<number>) => [...sizes].reduce((a, b) => a + b, 0);
  return {
    dryRun: args.dryRun,
    storage: where,
    blobsMarked: report.blobsMarked,
    blobsDeleted: report.blobsDeleted.length,
    bytesDeleted: sum(report.blobsDeleted.map((d) => before.get(d) ?? 0)),
    manifestsDeleted: report.manifestsDeleted,
    blobsLeft: left.length,
    bytesLeft: sum(left),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** Runs `registry garbage-collect` as a job on this node and reads what it did. */
async function runCollector(ctx: OpContext, docker: DockerEngine, o: { config: SecretRef; nodeId: string; dryRun: boolean; timeoutMs: number }) {
  const spec = buildRegistryGcJobSpec({ image: ctx.config.registry.image, config: o.config, nodeId: o.nodeId, dryRun: o.dryRun, id: randomBytes(4).toString('hex') });
  ctx.progress('collect', `${o.dryRun ? 'looking for' : 'deleting'} layers no manifest names (${spec.Name})`);
  const id = await docker.createService(spec);
  try {
    const task = await waitForJob(docker, id, AbortSignal.any([ctx.signal, AbortSignal.timeout(o.timeoutMs)]));
    if (!task) throw new FutuswarmError('interrupted', `${spec.Name} did not finish within ${Math.round(o.timeoutMs / 1000)}s and was stopped`, { hint: 'give it longer with --timeout' });
    // Lines still in flight when the task ended: give them a moment.
    await sleep(300);
    const stdout: string[] = [];
    const stderr: string[] = [];
    for await (const raw of docker.serviceLogs(id, { follow: false, timestamps: true })) {
      (raw.stream === 'stdout' ? stdout : stderr).push(parseLogLine(raw.text, { timestamps: true, details: false }).message);
    }
    const report = task.state === 'complete' ? parseGcOutput(stdout) : undefined;
    if (!report) {
      throw new FutuswarmError('deploy_failed', `the garbage collection failed (${task.state}${task.exitCode !== undefined ? `, exit code ${task.exitCode}` : ''}${task.error ? `: ${task.error}` : ''})`, {
        hint: `nothing more is deleted; check that this node can reach the registry's storage and run it again`,
        // Its own errors go to stderr, after pages of blob names on stdout: both tails, stderr last.
        details: { output: [...stdout.slice(-5), ...stderr.slice(-15)] },
      });
    }
    return report;
  } finally {
    await removeJob(ctx, docker, id);
  }
}
