/**
 * The Swarm ServiceSpec of an app, built as plain data from the app's settings, its release
 * and its environment. The agent sends exactly this to Docker; tests compare it with equality.
 */
import { createHash } from 'node:crypto';

export interface ClusterInfo {
  name: string;
  domain: string;
  /** Overlay network shared by apps and the proxy. */
  network: string;
}

export interface Resources {
  cpus?: number;
  memoryMb?: number;
}

export interface AppSettings {
  port: number;
  replicas: number;
  limits?: Resources;
}

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
    };
    Resources: { Limits: { NanoCPUs?: number; MemoryBytes?: number } };
    RestartPolicy: { Condition: 'any' | 'on-failure' | 'none'; Delay: number; MaxAttempts: number; Window: number };
    Networks: { Target: string; Aliases: string[] }[];
    ForceUpdate?: number;
  };
  Mode: { Replicated: { Replicas: number } };
  UpdateConfig: UpdateOrRollbackConfig;
  RollbackConfig: UpdateOrRollbackConfig;
  EndpointSpec: { Mode: 'dnsrr' | 'vip' };
}

export interface UpdateOrRollbackConfig {
  Parallelism: number;
  Delay: number;
  FailureAction: 'pause' | 'continue' | 'rollback';
  Monitor: number;
  MaxFailureRatio: number;
  Order: 'stop-first' | 'start-first';
}

export const LABEL = {
  app: 'futuswarm.app',
  release: 'futuswarm.release',
  image: 'futuswarm.image',
  specHash: 'futuswarm.spec-hash',
  templateHash: 'futuswarm.template-hash',
  /** The app's settings as JSON, so a redeploy knows them. */
  settings: 'futuswarm.settings',
} as const;

const NS_PER_SECOND = 1_000_000_000;
const seconds = (s: number): number => Math.round(s * NS_PER_SECOND);

export function appUrl(app: string, cluster: ClusterInfo): string {
  return `http://${app}.${cluster.domain}`;
}

/** Traefik v3 swarm-provider labels. They go on the service, never the container. */
export function buildProxyLabels(app: string, settings: AppSettings, cluster: ClusterInfo): Record<string, string> {
  return {
    'traefik.enable': 'true',
    'traefik.swarm.network': cluster.network,
    [`traefik.http.routers.${app}.rule`]: `Host(\`${app}.${cluster.domain}\`)`,
    [`traefik.http.routers.${app}.service`]: app,
    [`traefik.http.services.${app}.loadbalancer.server.port`]: String(settings.port),
  };
}

export function buildServiceSpec(
  app: string,
  settings: AppSettings,
  release: ReleaseInput,
  cluster: ClusterInfo,
  timing: DeployTiming,
): ServiceSpec {
  const limits: { NanoCPUs?: number; MemoryBytes?: number } = {};
  if (settings.limits?.cpus !== undefined) limits.NanoCPUs = Math.round(settings.limits.cpus * NS_PER_SECOND);
  if (settings.limits?.memoryMb !== undefined) limits.MemoryBytes = settings.limits.memoryMb * 1024 * 1024;

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
      Networks: [{ Target: cluster.network, Aliases: [app] }],
    },
    Mode: { Replicated: { Replicas: settings.replicas } },
    UpdateConfig: rolling('rollback'),
    RollbackConfig: rolling('pause'),
    // Task IPs, not a virtual IP: the proxy balances, and no IPVS is needed on the nodes.
    EndpointSpec: { Mode: 'dnsrr' },
  };
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
