/**
 * The Swarm ServiceSpec of an app, built as plain data from the app's settings, its release
 * and its environment. The agent sends exactly this to Docker; tests compare it with equality.
 */
import { effectiveLimits, type TaskLimits } from './task-limits.ts';
import { LABEL } from './service-labels.ts';
import { createHash } from 'node:crypto';
import { PROBE_DIR, PROBE_FILE } from './agent-bundle.ts';
import { buildPlacement, type SwarmPlacement } from './placement.ts';
import { serviceNetworks, type TaskNetwork } from './app-networks.ts';

export interface ClusterInfo {
  name: string;
  domain: string;
  /** The proxy's overlay network, which apps with a route join (src/core/app-networks.ts). */
  network: string;
  scheme: 'https' | 'http';
  /**
   * App tasks run on workers only: the managers decision, made at each change from the
   * cluster's nodes.appsOnManagers and its nodes (src/core/placement.ts appsAvoidManagers).
   */
  workersOnly?: boolean;
}

import type { AppSettings, HealthSettings } from './app-settings.ts';

export type { AppSettings } from './app-settings.ts';

export interface ReleaseInput {
  number: number;
  /** What Swarm runs: `repo:tag` or `repo@sha256:…`. */
  image: string;
  env: Readonly<Record<string, string>>;
}

export interface DeployTiming {
  /** How long Swarm watches a new task before it counts the update as good. */
  monitorSeconds: number;
  stopGraceSeconds: number;
  /** The cluster's limits for a task whose app sets none (src/core/task-limits.ts). */
  defaultLimits?: TaskLimits | undefined;
}

/** The subset of the Docker Engine ServiceSpec that futuswarm sets. */
export interface ServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Labels: Record<string, string>;
      Env: string[];
      StopGracePeriod: number;
      Healthcheck?: SwarmHealthcheck;
      Mounts?: BindMount[];
    };
    Resources: { Limits: { NanoCPUs?: number; MemoryBytes?: number } };
    RestartPolicy: { Condition: 'any' | 'on-failure' | 'none'; Delay: number; MaxAttempts: number; Window: number };
    Networks: TaskNetwork[];
    Placement?: SwarmPlacement;
    ForceUpdate?: number;
  };
  Mode: { Replicated: { Replicas: number } };
  UpdateConfig: UpdateOrRollbackConfig;
  RollbackConfig: UpdateOrRollbackConfig;
  EndpointSpec: { Mode: 'dnsrr' | 'vip' };
}

export interface BindMount {
  Type: 'bind';
  Source: string;
  Target: string;
  ReadOnly: boolean;
}

export interface SwarmHealthcheck {
  Test: string[];
  Interval: number;
  Timeout: number;
  Retries: number;
  StartPeriod: number;
}

export interface UpdateOrRollbackConfig {
  Parallelism: number;
  Delay: number;
  FailureAction: 'pause' | 'continue' | 'rollback';
  Monitor: number;
  MaxFailureRatio: number;
  Order: 'stop-first' | 'start-first';
}

export { LABEL };

const NS_PER_SECOND = 1_000_000_000;
const seconds = (s: number): number => Math.round(s * NS_PER_SECOND);

export function appUrl(app: string, cluster: ClusterInfo): string {
  return `${cluster.scheme}://${app}.${cluster.domain}`;
}

/** Every host name the app answers to: <app>.<cluster domain> first, then its extra domains. */
export function appHosts(app: string, settings: Pick<AppSettings, 'domains'>, cluster: ClusterInfo): string[] {
  return [`${app}.${cluster.domain}`, ...settings.domains.filter((d) => d !== `${app}.${cluster.domain}`)];
}

/** How many times the proxy tries to reach a task for one request, each on its own dial. */
export const PROXY_RETRY_ATTEMPTS = 2;

/** How long the proxy counts a task's failures, and leaves it out after too many. */
export const PROXY_PASSIVE_WINDOW = '5s';

/** Traefik v3 swarm-provider labels. They go on the service, never the container. */
export function buildProxyLabels(app: string, settings: AppSettings, cluster: ClusterInfo): Record<string, string> {
  if (settings.internal) return { 'traefik.enable': 'false' };
  const labels: Record<string, string> = {
    'traefik.enable': 'true',
    'traefik.swarm.network': cluster.network,
    [`traefik.http.routers.${app}.rule`]: appHosts(app, settings, cluster).map((h) => `Host(\`${h}\`)`).join(' || '),
    [`traefik.http.routers.${app}.service`]: app,
    [`traefik.http.services.${app}.loadbalancer.server.port`]: String(settings.port),
    // A task that cannot be reached (its node just died, or it stopped between two polls of the
    // proxy) costs one short dial (PROXY_DIAL_TIMEOUT), then the request goes to another task.
    // Traefik retries only what never reached a task, so no request is ever sent twice.
    [`traefik.http.middlewares.${app}-retry.retry.attempts`]: String(PROXY_RETRY_ATTEMPTS),
    [`traefik.http.routers.${app}.middlewares`]: `${app}-retry`,
    // A task that failed twice within the window gets no request for the rest of it, so the
    // retries of the requests that found it gone go to the tasks that answer.
    [`traefik.http.services.${app}.loadbalancer.passivehealthcheck.failurewindow`]: PROXY_PASSIVE_WINDOW,
    [`traefik.http.services.${app}.loadbalancer.passivehealthcheck.maxfailedattempts`]: '2',
  };
  if (settings.health?.path) {
    // The proxy stops sending to a task that fails the same probe Swarm uses.
    labels[`traefik.http.services.${app}.loadbalancer.healthcheck.path`] = settings.health.path;
    labels[`traefik.http.services.${app}.loadbalancer.healthcheck.interval`] = `${settings.health.intervalSeconds}s`;
    labels[`traefik.http.services.${app}.loadbalancer.healthcheck.timeout`] = `${settings.health.timeoutSeconds}s`;
  }
  return labels;
}

/** Where each task sees the node's health probe (futuswarm-probe, from the agent bundle). */
export const PROBE_MOUNT_TARGET = '/.futuswarm';

/** The node's probe directory, mounted read-only into tasks that have an HTTP health path. */
export const PROBE_MOUNT: BindMount = { Type: 'bind', Source: PROBE_DIR, Target: PROBE_MOUNT_TARGET, ReadOnly: true };

/**
 * The Swarm health check for the app's settings, or undefined to keep the image's own.
 * An HTTP path is probed by futuswarm-probe, which every node has and every such task gets
 * mounted: exec form, no shell, so it works with any image (no curl, wget, nc or /bin/sh
 * needed). A failed probe prints the URL it tried and what it got into the task's health log.
 */
export function buildHealthcheck(health: HealthSettings | undefined, port: number): SwarmHealthcheck | undefined {
  if (!health || (!health.cmd && !health.path)) return undefined;
  const test = health.cmd
    ? ['CMD-SHELL', health.cmd]
    : ['CMD', `${PROBE_MOUNT_TARGET}/${PROBE_FILE}`, '-timeout', String(health.timeoutSeconds), probeUrl(health.path ?? '/', port)];
  return {
    Test: test,
    Interval: seconds(health.intervalSeconds),
    Timeout: seconds(health.timeoutSeconds),
    Retries: health.retries,
    StartPeriod: seconds(health.startPeriodSeconds),
  };
}

/** The URL the probe asks, inside the task: the app's own port on loopback. */
export function probeUrl(path: string, port: number): string {
  return `http://127.0.0.1:${port}${path}`;
}

/** The app's health check in words, for messages: `GET /healthz on port 8000`. Undefined: the image's own. */
export function describeHealthcheck(health: HealthSettings | undefined, port: number): string | undefined {
  if (health?.cmd) return `\`${health.cmd}\``;
  if (health?.path) return `GET ${health.path} on port ${port}`;
  return undefined;
}

export function buildServiceSpec(
  app: string,
  settings: AppSettings,
  release: ReleaseInput,
  cluster: ClusterInfo,
  timing: DeployTiming,
): ServiceSpec {
  const limits: { NanoCPUs?: number; MemoryBytes?: number } = {};
  const effective = effectiveLimits(settings.limits, timing.defaultLimits);
  if (effective.cpus !== undefined) limits.NanoCPUs = Math.round(effective.cpus * NS_PER_SECOND);
  if (effective.memoryMb !== undefined) limits.MemoryBytes = effective.memoryMb * 1024 * 1024;

  const rolling = (failureAction: UpdateOrRollbackConfig['FailureAction']): UpdateOrRollbackConfig => ({
    Parallelism: 1,
    Delay: 0,
    FailureAction: failureAction,
    Monitor: seconds(timing.monitorSeconds),
    MaxFailureRatio: 0,
    // The old task serves until its replacement runs: no gap in service.
    Order: 'start-first',
  });

  const spec: ServiceSpec = {
    Name: app,
    Labels: {
      [LABEL.app]: app,
      [LABEL.release]: String(release.number),
      [LABEL.image]: release.image,
      [LABEL.settings]: canonicalJson(settings),
      ...buildProxyLabels(app, settings, cluster),
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: release.image,
        Labels: { [LABEL.app]: app, [LABEL.release]: String(release.number) },
        Env: Object.keys(release.env)
          .sort()
          .map((k) => `${k}=${release.env[k]}`),
        StopGracePeriod: seconds(timing.stopGraceSeconds),
      },
      Resources: { Limits: limits },
      RestartPolicy: { Condition: 'any', Delay: seconds(5), MaxAttempts: 0, Window: 0 },
      Networks: serviceNetworks(app, settings, cluster.network),
    },
    Mode: { Replicated: { Replicas: settings.replicas } },
    UpdateConfig: rolling('rollback'),
    RollbackConfig: rolling('pause'),
    // Task IPs, not a virtual IP: the proxy balances, and no IPVS is needed on the nodes.
    EndpointSpec: { Mode: 'dnsrr' },
  };
  const healthcheck = buildHealthcheck(settings.health, settings.port);
  if (healthcheck) spec.TaskTemplate.ContainerSpec.Healthcheck = healthcheck;
  if (healthcheck?.Test[0] === 'CMD') spec.TaskTemplate.ContainerSpec.Mounts = [PROBE_MOUNT];
  // None at all when tasks may run anywhere: such an app keeps the hashes it had before.
  const placement = buildPlacement(settings.placement, cluster.workersOnly === true);
  if (placement) spec.TaskTemplate.Placement = placement;
  spec.Labels[LABEL.templateHash] = templateHash(spec);
  spec.Labels[LABEL.specHash] = specHash(spec);
  return spec;
}

/** A hash of what the tasks run (image, env, limits…), without the release number. */
export function templateHash(spec: ServiceSpec): string {
  const { [LABEL.release]: _r, ...containerLabels } = spec.TaskTemplate.ContainerSpec.Labels;
  return hash({ ...spec.TaskTemplate, ContainerSpec: { ...spec.TaskTemplate.ContainerSpec, Labels: containerLabels } });
}

/**
 * A hash of everything that defines the running app except the release number, so that
 * deploying the same thing twice is recognised as "no change".
 */
export function specHash(spec: ServiceSpec): string {
  const { [LABEL.release]: _r, [LABEL.specHash]: _h, ...labels } = spec.Labels;
  const { TaskTemplate: _t, ...rest } = spec;
  return hash({ ...rest, Labels: labels });
}

function hash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so equal data always gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}
