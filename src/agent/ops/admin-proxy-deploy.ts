/**
 * admin.proxy.deploy: run Traefik on every manager (create or update the service), then wait
 * until the new tasks run and the proxy on this manager answers /ping.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { buildProxyServiceSpec, PROXY_LABEL, PROXY_SERVICE, type ProxyServiceSpec } from '../../core/proxy-spec.ts';
import type { AgentConfig } from '../../config/agent-config.ts';
import { proxyDockerSocketPath } from '../proxy-docker-socket.ts';
import type { DockerEngine } from '../../docker/engine.ts';
import { ROLLBACK_STATES, waitForGlobalService } from '../global-service.ts';
import type { ProxyDeployResult } from '../../results/admin.ts';
import { defineOp, type OpContext } from '../op.ts';
import { locateProxy } from '../proxy-status.ts';

export default defineOp({
  op: 'admin.proxy.deploy',
  access: 'admin',
  mutating: true,
  handle: (ctx, args) => deployProxy(ctx, args),
});

/**
 * The proxy's service as this agent's config makes it: reading Docker through the resident
 * agent's socket for it when the config has a daemon (src/agent/proxy-docker-socket.ts).
 */
export function proxyServiceSpec(config: Pick<AgentConfig, 'proxy' | 'network' | 'daemon'>): ProxyServiceSpec {
  return buildProxyServiceSpec(config.proxy, config.network, config.daemon ? proxyDockerSocketPath(config.daemon.socket) : undefined);
}

/** Create or update the proxy service and wait until it serves (also `futuswarm-agent proxy:ensure`). */
export async function deployProxy(ctx: OpContext, args: { timeoutSeconds?: number | undefined }): Promise<ProxyDeployResult> {
  const docker = await ctx.docker();
  const proxy = ctx.config.proxy;
  const spec = proxyServiceSpec(ctx.config);
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
    return {
      service: PROXY_SERVICE,
      changed: !unchanged,
      image: proxy.image,
      httpPort: proxy.httpPort,
      ...(proxy.httpsPort !== undefined ? { httpsPort: proxy.httpsPort } : {}),
      tasks,
    };
  } catch (e) {
    // A proxy that never ran leaves nothing behind; an update is rolled back by Swarm.
    if (!existing) await docker.removeService(serviceId).catch(() => undefined);
    throw e;
  }
}

function waitUntilServing(ctx: OpContext, docker: DockerEngine, serviceId: string, hash: string, startedAt: number, timeoutMs: number): Promise<number> {
  return waitForGlobalService(ctx, docker, {
    serviceId,
    hash,
    startedAt,
    timeoutMs,
    async ready() {
      const { localTask, api } = await locateProxy(docker);
      if (localTask?.labels[PROXY_LABEL.specHash] !== hash) return 'the new proxy task on this manager is not running yet';
      if (!api) return 'the proxy task on this manager has no address on docker_gwbridge';
      if (!(await api.ping())) return `the proxy does not answer ${api.base}/ping`;
      return undefined;
    },
    failed: (reason, tasks) =>
      new FutuswarmError('deploy_failed', `the proxy did not become ready: ${reason}`, {
        hint: 'check proxy.image in the agent config and that every manager can pull it; futuswarm admin proxy:status shows the tasks',
        details: { tasks },
      }),
  });
}
