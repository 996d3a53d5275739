/**
 * The Swarm ServiceSpec of the cluster's proxy: Traefik v3 with the swarm provider, one task
 * on every manager, host-mode ports. Built as plain data; tests compare it with equality.
 */
import { basename as posixBasename, dirname as posixDirname } from 'node:path/posix';
import { createHash } from 'node:crypto';
import { canonicalJson } from './service-spec.ts';

export const PROXY_SERVICE = 'futuswarm-proxy';
/** Traefik's own entrypoint (API and /ping). Never published: only the node itself reaches it. */
export const PROXY_API_PORT = 8082;

/** The engine's own socket, as the proxy reads it when no resident agent serves one for it. */
const ENGINE_SOCKET_ENDPOINT = 'unix:///var/run/docker.sock';
export const PROXY_HTTP_TARGET = 80;
export const PROXY_HTTPS_TARGET = 443;
/** Where Traefik keeps ACME accounts and certificates: a local volume on each manager. */
export const PROXY_ACME_VOLUME = 'futuswarm-proxy-acme';
export const PROXY_CERT_RESOLVER = 'futuswarm';

export const PROXY_LABEL = {
  proxy: 'futuswarm.proxy',
  specHash: 'futuswarm.spec-hash',
} as const;

export interface ProxySettings {
  /** Traefik v3 image; production uses the official one. */
  image: string;
  /** Host port every manager publishes for plain HTTP (container port 80). */
  httpPort: number;
  /** Host port for HTTPS (container port 443); set together with `acme`. */
  httpsPort?: number | undefined;
  /** How often Traefik polls the swarm for services and tasks. */
  refreshSeconds: number;
  /**
   * Addresses (CIDRs) of load balancers whose X-Forwarded-* headers are passed on to apps;
   * from anyone else Traefik replaces them.
   */
  trustedProxies?: readonly string[] | undefined;
  /** Traefik obtains certificates itself (TLS-ALPN challenge on the HTTPS port). */
  acme?: { email: string; caServer?: string | undefined } | undefined;
}

export interface ProxyServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Args: string[];
      Labels: Record<string, string>;
      Mounts: { Type: 'bind' | 'volume'; Source: string; Target: string; ReadOnly: boolean }[];
      StopGracePeriod: number;
      Healthcheck: { Test: string[]; Interval: number; Timeout: number; Retries: number; StartPeriod: number };
    };
    Placement: { Constraints: string[] };
    RestartPolicy: { Condition: 'any'; Delay: number; MaxAttempts: number; Window: number };
    Networks: { Target: string }[];
  };
  Mode: { Global: Record<string, never> };
  UpdateConfig: ProxyUpdateConfig;
  RollbackConfig: ProxyUpdateConfig;
  EndpointSpec: {
    Mode: 'dnsrr';
    Ports: { Protocol: 'tcp'; TargetPort: number; PublishedPort: number; PublishMode: 'host' }[];
  };
}

type ProxyUpdateConfig = NodeByNodeUpdate;

/**
 * How a service with one task per node (the proxy, the registry) is updated: one node at a
 * time, the old task stopped first (it holds a port of the node), nothing failing allowed.
 */
export interface NodeByNodeUpdate {
  Parallelism: number;
  Delay: number;
  FailureAction: 'pause' | 'rollback';
  Monitor: number;
  MaxFailureRatio: number;
  Order: 'stop-first';
}

export function nodeByNodeUpdate(failureAction: NodeByNodeUpdate['FailureAction'], o: { delaySeconds: number; monitorSeconds: number }): NodeByNodeUpdate {
  return {
    Parallelism: 1,
    Delay: seconds(o.delaySeconds),
    FailureAction: failureAction,
    Monitor: seconds(o.monitorSeconds),
    MaxFailureRatio: 0,
    Order: 'stop-first',
  };
}

const seconds = (s: number): number => Math.round(s * 1_000_000_000);

/** How long the proxy waits to connect to a task (Traefik's default is 30 s). */
export const PROXY_DIAL_TIMEOUT = '2s';

/** Traefik's static configuration, as command-line flags. */
export function buildProxyArgs(settings: ProxySettings, network: string, dockerEndpoint = ENGINE_SOCKET_ENDPOINT): string[] {
  const args = [
    `--providers.swarm.endpoint=${dockerEndpoint}`,
    '--providers.swarm.exposedByDefault=false',
    `--providers.swarm.network=${network}`,
    `--providers.swarm.refreshSeconds=${settings.refreshSeconds}s`,
    // Apply a changed configuration as soon as the poll sees it (the default waits 2s).
    `--providers.providersThrottleDuration=${Math.min(settings.refreshSeconds, 2)}s`,
    `--entryPoints.web.address=:${PROXY_HTTP_TARGET}`,
    // Tasks are a hop away on the overlay network: a connection not made within this is to a
    // task that is gone, and the app's retry sends the request to another one.
    `--serversTransport.forwardingTimeouts.dialTimeout=${PROXY_DIAL_TIMEOUT}`,
  ];
  const trusted = settings.trustedProxies?.length ? settings.trustedProxies.join(',') : undefined;
  if (trusted) args.push(`--entryPoints.web.forwardedHeaders.trustedIPs=${trusted}`);
  if (settings.httpsPort !== undefined) {
    args.push(
      `--entryPoints.websecure.address=:${PROXY_HTTPS_TARGET}`,
      '--entryPoints.websecure.http.tls=true',
      ...(trusted ? [`--entryPoints.websecure.forwardedHeaders.trustedIPs=${trusted}`] : []),
      '--entryPoints.web.http.redirections.entryPoint.to=websecure',
      '--entryPoints.web.http.redirections.entryPoint.scheme=https',
    );
  }
  if (settings.acme) {
    const resolver = `--certificatesResolvers.${PROXY_CERT_RESOLVER}.acme`;
    args.push(
      // Every router on websecure gets a certificate for its Host() rule; apps need no TLS labels.
      `--entryPoints.websecure.http.tls.certResolver=${PROXY_CERT_RESOLVER}`,
      `${resolver}.email=${settings.acme.email}`,
      `${resolver}.storage=/acme/acme.json`,
      `${resolver}.tlsChallenge=true`,
    );
    if (settings.acme.caServer) args.push(`${resolver}.caServer=${settings.acme.caServer}`);
  }
  args.push(
    `--entryPoints.traefik.address=:${PROXY_API_PORT}`,
    '--ping=true',
    // The API is read-only, served only on the unpublished traefik entrypoint, and only to the
    // node itself: the proxy's own labels route it (proxyApiLabels).
    '--api=true',
    '--api.dashboard=false',
    '--accessLog=true',
    '--log.level=INFO',
    // No calls home from the managers.
    '--global.checkNewVersion=false',
    '--global.sendAnonymousUsage=false',
  );
  return args;
}

/**
 * Where requests for the API may come from: the node itself, which reaches the proxy task at its
 * docker_gwbridge address. Docker keeps containers on docker_gwbridge from reaching each other
 * (inter-container traffic is off there), and overlay networks never take addresses in
 * 172.16.0.0/12 (the cluster file refuses such an overlay pool), so an app, which can reach the
 * proxy only over the proxy network, is refused.
 */
export const PROXY_API_SOURCES = ['127.0.0.1/32', '172.16.0.0/12'] as const;

/** Router and middleware names under "futuswarm", which no app name may start with. */
const API_ROUTER = 'futuswarm-api';
const API_ALLOW = 'futuswarm-api-local';

/**
 * The proxy's own labels, read by its swarm provider: the API on the traefik entrypoint behind
 * an allow list of PROXY_API_SOURCES. No other router reaches Traefik itself.
 */
export function proxyApiLabels(): Record<string, string> {
  return {
    'traefik.enable': 'true',
    [`traefik.http.routers.${API_ROUTER}.entrypoints`]: 'traefik',
    [`traefik.http.routers.${API_ROUTER}.rule`]: 'PathPrefix(`/api`)',
    [`traefik.http.routers.${API_ROUTER}.service`]: 'api@internal',
    [`traefik.http.routers.${API_ROUTER}.middlewares`]: API_ALLOW,
    [`traefik.http.middlewares.${API_ALLOW}.ipallowlist.sourcerange`]: PROXY_API_SOURCES.join(','),
    // Labels that name no service make the provider build one for the proxy's own task; this
    // one is it, and no router sends anything to it.
    [`traefik.http.services.${API_ROUTER}-unused.loadbalancer.server.port`]: String(PROXY_API_PORT),
  };
}

/** Where a proxy task sees the directory of the resident agent's Docker socket for it. */
export const PROXY_DOCKER_DIR = '/run/futuswarm-docker';

/**
 * The proxy's service. `agentDockerSocket`: the resident agent's read-only Docker socket for the
 * proxy (src/agent/proxy-docker-socket.ts), whose directory is mounted; without a resident agent,
 * the engine's own socket, mounted read-only (which does not stop a process from writing to it).
 */
export function buildProxyServiceSpec(settings: ProxySettings, network: string, agentDockerSocket?: string): ProxyServiceSpec {
  const ports: ProxyServiceSpec['EndpointSpec']['Ports'] = [
    { Protocol: 'tcp', TargetPort: PROXY_HTTP_TARGET, PublishedPort: settings.httpPort, PublishMode: 'host' },
  ];
  if (settings.httpsPort !== undefined) {
    ports.push({ Protocol: 'tcp', TargetPort: PROXY_HTTPS_TARGET, PublishedPort: settings.httpsPort, PublishMode: 'host' });
  }
  const mounts: ProxyServiceSpec['TaskTemplate']['ContainerSpec']['Mounts'] =
    agentDockerSocket === undefined
      ? [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock', ReadOnly: true }]
      : [{ Type: 'bind', Source: posixDirname(agentDockerSocket), Target: PROXY_DOCKER_DIR, ReadOnly: true }];
  const dockerEndpoint = agentDockerSocket === undefined ? ENGINE_SOCKET_ENDPOINT : `unix://${PROXY_DOCKER_DIR}/${posixBasename(agentDockerSocket)}`;
  if (settings.acme) mounts.push({ Type: 'volume', Source: PROXY_ACME_VOLUME, Target: '/acme', ReadOnly: false });

  // Host ports cannot be held by two tasks on one node: the old proxy task stops first.
  const update = (failureAction: ProxyUpdateConfig['FailureAction']) => nodeByNodeUpdate(failureAction, { delaySeconds: 5, monitorSeconds: 15 });

  const spec: ProxyServiceSpec = {
    Name: PROXY_SERVICE,
    Labels: { [PROXY_LABEL.proxy]: 'true', ...proxyApiLabels() },
    TaskTemplate: {
      ContainerSpec: {
        Image: settings.image,
        Args: buildProxyArgs(settings, network, dockerEndpoint),
        Labels: { [PROXY_LABEL.proxy]: 'true' },
        Mounts: mounts,
        StopGracePeriod: seconds(10),
        Healthcheck: {
          Test: ['CMD', 'traefik', 'healthcheck', '--ping', `--entryPoints.traefik.address=:${PROXY_API_PORT}`],
          Interval: seconds(5),
          Timeout: seconds(3),
          Retries: 3,
          StartPeriod: seconds(10),
        },
      },
      Placement: { Constraints: ['node.role == manager'] },
      RestartPolicy: { Condition: 'any', Delay: seconds(2), MaxAttempts: 0, Window: 0 },
      Networks: [{ Target: network }],
    },
    Mode: { Global: {} },
    UpdateConfig: update('rollback'),
    RollbackConfig: update('pause'),
    EndpointSpec: { Mode: 'dnsrr', Ports: ports },
  };
  const hash = proxySpecHash(spec);
  spec.Labels[PROXY_LABEL.specHash] = hash;
  spec.TaskTemplate.ContainerSpec.Labels[PROXY_LABEL.specHash] = hash;
  return spec;
}

/** Everything that defines the proxy, so an unchanged deploy is recognised and skipped. */
export function proxySpecHash(spec: ProxyServiceSpec): string {
  const { [PROXY_LABEL.specHash]: _s, ...labels } = spec.Labels;
  const { [PROXY_LABEL.specHash]: _c, ...containerLabels } = spec.TaskTemplate.ContainerSpec.Labels;
  const withoutHashes = {
    ...spec,
    Labels: labels,
    TaskTemplate: { ...spec.TaskTemplate, ContainerSpec: { ...spec.TaskTemplate.ContainerSpec, Labels: containerLabels } },
  };
  return createHash('sha256').update(canonicalJson(withoutHashes)).digest('hex').slice(0, 16);
}
