/** admin.proxy.status: the proxy's service and tasks, and every route it serves with its servers' health. */
import { PROXY_LABEL } from '../../core/proxy-spec.ts';
import { proxyServiceSpec } from './admin-proxy-deploy.ts';
import type { ProxyStatusDeployed } from '../../results/admin.ts';
import { defineOp } from '../op.ts';
import { locateProxy } from '../proxy-status.ts';

export default defineOp({
  op: 'admin.proxy.status',
  access: 'admin',
  mutating: false,
  async handle(ctx) {
    const docker = await ctx.docker();
    const { service, tasks, api } = await locateProxy(docker);
    if (!service) return { deployed: false, tasks: [], api: { reachable: false, reason: 'not deployed' }, routes: [] };
    const wanted = proxyServiceSpec(ctx.config).Labels[PROXY_LABEL.specHash];
    const status: ProxyStatusDeployed = {
      deployed: true,
      image: service.image.split('@')[0] ?? service.image,
      upToDate: service.labels[PROXY_LABEL.specHash] === wanted,
      ...(service.updateState ? { update: { state: service.updateState, message: service.updateMessage ?? '' } } : {}),
      tasks: tasks
        .filter((t) => t.desiredState === 'running' || Date.now() - t.since < 10 * 60_000)
        .slice(-20)
        .map((t) => ({
          id: t.id.slice(0, 12),
          node: t.nodeId?.slice(0, 12) ?? '',
          state: t.state,
          desiredState: t.desiredState,
          ...(t.error ? { error: t.error } : {}),
          since: new Date(t.since).toISOString(),
        })),
      api: { reachable: false, reason: 'no running proxy task on this manager' },
      routes: [],
    };
    if (!api) return status;
    try {
      const [version, routers, services] = await Promise.all([api.version(), api.routers(), api.services()]);
      status.api = { reachable: true, url: api.base, version: version.Version };
      const byName = new Map(services.map((s) => [s.name, s]));
      status.routes = routers
        // The apps' routes; not the proxy's own route to its API (service api@internal).
        .filter((r) => r.provider === 'swarm' && !r.service.endsWith('@internal'))
        .map((r) => {
          const svc = byName.get(r.service.includes('@') ? r.service : `${r.service}@${r.provider}`);
          const urls = svc?.loadBalancer?.servers?.map((s) => s.url) ?? [];
          return {
            router: r.name,
            rule: r.rule,
            service: svc?.name ?? r.service,
            status: r.status,
            serversUp: urls.filter((u) => (svc?.serverStatus?.[u] ?? 'UP') === 'UP').length,
            servers: urls.length,
          };
        })
        .sort((a, b) => a.router.localeCompare(b.router));
    } catch (e) {
      status.api = { reachable: false, url: api.base, reason: (e as Error).message };
    }
    return status;
  },
});
