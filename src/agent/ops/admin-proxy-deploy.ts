/**
 * admin.proxy.deploy: run Traefik on every manager (create or update the service), then wait
 * until the new tasks run and the proxy on this manager answers /ping.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { buildProxyServiceSpec, PROXY_LABEL, PROXY_SERVICE } from '../../core/proxy-spec.ts';
import type { DockerEngine, TaskInfo } from '../../docker/engine.ts';
import { defineOp, type OpContext } from '../op.ts';
import { locateProxy } from '../proxy-status.ts';

const POLL_MS = 500;
const FAILED_STATES = new Set(['failed', 'rejected', 'orphaned']);
const ROLLBACK_STATES = new Set(['rollback_started', 'rollback_paused', 'rollback_completed', 'paused']);
/** A new proxy is given up on after this many failed tasks of its spec. */
const MAX_FAILED_TASKS = 3;

export interface ProxyDeployResult {
  service: string;
  changed: boolean;
  image: string;
  httpPort: number;
  httpsPort: number | undefined;
  tasks: number;
}

export default defineOp({
  op: 'admin.proxy.deploy',
  access: 'admin',
  mutating: true,
  handle: (ctx, args) => deployProxy(ctx, args),
});

/** Create or update the proxy service and wait until it serves (also `futuswarm-agent proxy:ensure`). */
export async function deployProxy(ctx: OpContext, args: { timeoutSeconds?: number | undefined }): Promise<ProxyDeployResult> {
  const docker = await ctx.docker();
  const proxy = ctx.config.proxy;
  const spec = buildProxyServiceSpec(proxy, ctx.config.network);
  const hash = spec.Labels[PROXY_LABEL.specHash] ?? '';

  if ((await docker.ensureOverlayNetwork(ctx.config.network)) === 'created') {
    ctx.progress('network', `created overlay network ${ctx.config.network}`);
  }
  const existing = await docker.findService(PROXY_SERVICE);
  if (existing && existing.labels[PROXY_LABEL.proxy] !== 'true') {
    throw new FutuswarmError('conflict', `a service named ${PROXY_SERVICE} exists on the swarm but futuswarm does not manage it`, {
      hint: `remove it (docker service rm ${PROXY_SERVICE}) and run futuswarm admin proxy:deploy again`,
    });
  }
  const unchanged = existing !== undefined && existing.labels[PROXY_LABEL.specHash] === hash && !ROLLBACK_STATES.has(existing.updateState ?? '');
  const startedAt = Date.now();
  let serviceId: string;
  if (existing && unchanged) {
    ctx.progress('unchanged', `${PROXY_SERVICE} already runs ${proxy.image} with this configuration; checking it answers`);
    serviceId = existing.id;
  } else if (existing) {
    ctx.progress('update', `updating ${PROXY_SERVICE} to ${proxy.image} (HTTP on port ${proxy.httpPort}), one manager at a time`);
    await docker.updateService(existing.id, existing.version, spec);
    serviceId = existing.id;
  } else {
    ctx.progress('create', `creating ${PROXY_SERVICE} (${proxy.image}) on every manager, HTTP on port ${proxy.httpPort}`);
    serviceId = await docker.createService(spec);
  }

  try {
    const tasks = await waitUntilServing(ctx, docker, serviceId, hash, startedAt, (args.timeoutSeconds ?? 120) * 1000);
    ctx.progress('done', `${PROXY_SERVICE} answers on ${tasks} manager(s)`);
    return { service: PROXY_SERVICE, changed: !unchanged, image: proxy.image, httpPort: proxy.httpPort, httpsPort: proxy.httpsPort, tasks };
  } catch (e) {
    // A proxy that never ran leaves nothing behind; an update is rolled back by Swarm.
    if (!existing) await docker.removeService(serviceId).catch(() => undefined);
    throw e;
  }
}

async function waitUntilServing(ctx: OpContext, docker: DockerEngine, serviceId: string, hash: string, startedAt: number, timeoutMs: number): Promise<number> {
  const seen = new Map<string, string>();
  const deadline = startedAt + timeoutMs;
  let lastProblem = 'no task has started yet';
  for (;;) {
    const [service, tasks] = await Promise.all([docker.findServiceById(serviceId), docker.listTasks(serviceId)]);
    const ours = tasks.filter((t) => t.labels[PROXY_LABEL.specHash] === hash);
    for (const t of ours) {
      // History from before this run is not news.
      if (seen.get(t.id) === t.state || (t.desiredState !== 'running' && t.since < startedAt - 1000)) continue;
      seen.set(t.id, t.state);
      ctx.progress('task', `task ${t.id.slice(0, 12)} on node ${t.nodeId?.slice(0, 12) ?? '?'} ${t.state}${t.error ? `: ${t.error}` : ''}`);
    }
    const updateIsOurs = service?.updateStartedAt !== undefined && Date.parse(service.updateStartedAt) >= startedAt - 1000;
    if (updateIsOurs && ROLLBACK_STATES.has(service?.updateState ?? '')) {
      throw failed(`Swarm stopped the update (${service?.updateState}): ${service?.updateMessage ?? ''}`, ours);
    }
    // Failures from before this run (a restarted daemon, an old crash) do not count against it.
    const failedTasks = ours.filter((t) => FAILED_STATES.has(t.state) && t.since >= startedAt - 1000);
    if (failedTasks.length >= MAX_FAILED_TASKS) throw failed(`${failedTasks.length} proxy tasks failed`, failedTasks);

    const wanted = tasks.filter((t) => t.desiredState === 'running');
    const stale = wanted.filter((t) => t.labels[PROXY_LABEL.specHash] !== hash);
    const starting = wanted.filter((t) => t.state !== 'running');
    const updating = updateIsOurs && service?.updateState === 'updating';
    if (wanted.length > 0 && stale.length === 0 && starting.length === 0 && !updating) {
      const { localTask, api } = await locateProxy(docker);
      if (localTask?.labels[PROXY_LABEL.specHash] !== hash) lastProblem = 'the new proxy task on this manager is not running yet';
      else if (!api) lastProblem = 'the proxy task on this manager has no address on docker_gwbridge';
      else if (!(await api.ping())) lastProblem = `the proxy does not answer ${api.base}/ping`;
      else return wanted.length;
    } else {
      lastProblem = `${wanted.length - starting.length - stale.length}/${wanted.length} task(s) of the new configuration running`;
    }
    if (Date.now() > deadline) throw failed(`not serving after ${Math.round(timeoutMs / 1000)}s: ${lastProblem}`, ours);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function failed(reason: string, tasks: readonly TaskInfo[]): FutuswarmError {
  const errors = tasks.filter((t) => t.error).map((t) => `task ${t.id.slice(0, 12)} ${t.state}: ${t.error}`);
  return new FutuswarmError('deploy_failed', `the proxy did not become ready: ${reason}`, {
    hint: 'check proxy.image in the agent config and that every manager can pull it; futuswarm admin proxy:status shows the tasks',
    details: { tasks: errors.slice(-10) },
  });
}
