/**
 * What the proxy on this manager sees: its task, its API, and the routes and servers of an
 * app with their health. Read-only; used by `admin proxy:status` and `app:inspect`.
 */
import { PROXY_API_PORT, PROXY_LABEL, PROXY_SERVICE } from '../core/proxy-spec.ts';
import { FutuswarmError, isFutuswarmError } from '../core/errors.ts';
import type { DockerEngine, ServiceInfo, TaskInfo } from '../docker/engine.ts';
import { TraefikApi, type TraefikRouter, type TraefikService } from '../traefik/api.ts';

export interface ProxyLocation {
  service: ServiceInfo | undefined;
  tasks: TaskInfo[];
  /** The running proxy task on this node, whose API the agent can reach. */
  localTask: TaskInfo | undefined;
  api: TraefikApi | undefined;
}

export async function locateProxy(docker: DockerEngine): Promise<ProxyLocation> {
  const service = await docker.findService(PROXY_SERVICE);
  if (!service || service.labels[PROXY_LABEL.proxy] !== 'true') return { service: undefined, tasks: [], localTask: undefined, api: undefined };
  const [tasks, nodeId] = await Promise.all([docker.listTasks(service.id), docker.swarmNodeId()]);
  const localTask = tasks
    .filter((t) => t.nodeId === nodeId && t.desiredState === 'running' && t.state === 'running' && t.containerId)
    .at(-1);
  const address = localTask?.containerId ? await docker.bridgeAddress(localTask.containerId) : undefined;
  return { service, tasks, localTask, api: address ? new TraefikApi(`http://${address}:${PROXY_API_PORT}`) : undefined };
}

/** The proxy API on this manager, or a user error saying what to do. */
export async function proxyApi(docker: DockerEngine): Promise<TraefikApi> {
  const { service, api } = await locateProxy(docker);
  if (!service) {
    throw new FutuswarmError('not_found', 'the proxy is not deployed on this cluster', { hint: 'futuswarm admin proxy:deploy' });
  }
  if (!api) {
    throw new FutuswarmError('unavailable', 'the proxy has no running task on this manager', {
      hint: 'futuswarm admin proxy:status shows its tasks and their errors',
    });
  }
  return api;
}

export interface RouteView {
  name: string;
  rule: string;
  entryPoints: string[];
  status: string;
  tls: boolean;
  errors: string[];
}

export interface ServerView {
  url: string;
  /** UP or DOWN by the proxy's health check; UP when the app has none. */
  status: string;
  /** The task behind the server, when it is one of the app's tasks. */
  task: string | undefined;
}

export interface AppRoutes {
  /** `ok` when the proxy answered; otherwise why routes are unknown. */
  proxy: 'ok' | 'not_deployed' | 'unavailable';
  reason?: string;
  routes: RouteView[];
  servers: ServerView[];
  healthCheck: { path: string; interval: string; timeout: string } | undefined;
}

/**
 * Where the proxy's API was found, per Docker connection: the resident agent asks it for every
 * app:inspect, and finding it takes four Docker requests. Kept briefly; a failed call finds it again.
 */
const LOCATED_MS = 10_000;
const located = new WeakMap<DockerEngine, { at: number; api: TraefikApi }>();

/**
 * The app's routes and servers as the proxy on this manager sees them. Never throws for a
 * missing or unreachable proxy: that is reported in `proxy`/`reason`. The proxy is asked at
 * once; `tasks` (which name each server's task) may still be on their way.
 */
export async function routesFor(docker: DockerEngine, app: string, options: { tasks?: readonly TaskInfo[] | Promise<readonly TaskInfo[]> } = {}): Promise<AppRoutes> {
  const empty = { routes: [], servers: [], healthCheck: undefined };
  const ask = (api: TraefikApi) => Promise.all([api.routers(), api.services()]);
  let routers: TraefikRouter[] | undefined;
  let services: TraefikService[] = [];
  const known = located.get(docker);
  if (known && Date.now() - known.at < LOCATED_MS) {
    [routers, services] = await ask(known.api).catch(() => [undefined, []] as const);
    if (routers === undefined) located.delete(docker);
  }
  if (routers === undefined) {
    try {
      const api = await proxyApi(docker);
      [routers, services] = await ask(api);
      located.set(docker, { at: Date.now(), api });
    } catch (e) {
      if (!isFutuswarmError(e)) throw e;
      return { proxy: e.code === 'not_found' ? 'not_deployed' : 'unavailable', reason: e.message, ...empty };
    }
  }
  return selectAppRoutes(app, routers, services, (await options.tasks) ?? []);
}

/** Pure: pick the app's routers and servers out of the proxy's whole configuration. */
export function selectAppRoutes(app: string, routers: readonly TraefikRouter[], services: readonly TraefikService[], tasks: readonly TaskInfo[]): AppRoutes {
  const serviceName = `${app}@swarm`;
  const ours = routers.filter((r) => r.provider === 'swarm' && (r.service === app || r.service === serviceName));
  const service = services.find((s) => s.name === serviceName);
  const taskByAddress = new Map<string, string>();
  for (const t of tasks) {
    for (const addresses of Object.values(t.addresses)) for (const a of addresses) taskByAddress.set(a, t.id.slice(0, 12));
  }
  const urls = service?.loadBalancer?.servers?.map((s) => s.url) ?? [];
  const hc = service?.loadBalancer?.healthCheck;
  return {
    proxy: 'ok',
    routes: ours
      .map((r) => ({
        name: r.name,
        rule: r.rule,
        entryPoints: r.entryPoints ?? [],
        status: r.status,
        tls: r.tls !== undefined,
        errors: r.error ?? [],
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    servers: urls.sort().map((url) => ({
      url,
      status: service?.serverStatus?.[url] ?? 'UP',
      task: taskByAddress.get(hostOf(url)),
    })),
    healthCheck: hc?.path ? { path: hc.path, interval: hc.interval ?? '', timeout: hc.timeout ?? '' } : undefined,
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
