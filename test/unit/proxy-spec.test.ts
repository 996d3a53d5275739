import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProxyArgs, buildProxyServiceSpec, PROXY_LABEL, proxySpecHash, type ProxySettings } from '../../src/core/proxy-spec.ts';

const local: ProxySettings = { image: 'localhost/traefik:v3.6.12', httpPort: 8080, refreshSeconds: 1 };

describe('buildProxyServiceSpec', () => {
  it('builds the whole spec as data: Traefik on every manager, host-mode port, read-only socket', () => {
    const spec = buildProxyServiceSpec(local, 'futuswarm-proxy');
    const hash = spec.Labels[PROXY_LABEL.specHash];
    assert.match(hash ?? '', /^[0-9a-f]{16}$/);
    assert.deepEqual(spec, {
      Name: 'futuswarm-proxy',
      Labels: {
        'futuswarm.proxy': 'true',
        'futuswarm.spec-hash': hash,
        // Its own API, only for the node itself (see the test below).
        'traefik.enable': 'true',
        'traefik.http.routers.futuswarm-api.entrypoints': 'traefik',
        'traefik.http.routers.futuswarm-api.rule': 'PathPrefix(`/api`)',
        'traefik.http.routers.futuswarm-api.service': 'api@internal',
        'traefik.http.routers.futuswarm-api.middlewares': 'futuswarm-api-local',
        'traefik.http.middlewares.futuswarm-api-local.ipallowlist.sourcerange': '127.0.0.1/32,172.16.0.0/12',
        'traefik.http.services.futuswarm-api-unused.loadbalancer.server.port': '8082',
      },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'localhost/traefik:v3.6.12',
          Args: [
            '--providers.swarm.endpoint=unix:///var/run/docker.sock',
            '--providers.swarm.exposedByDefault=false',
            '--providers.swarm.network=futuswarm-proxy',
            '--providers.swarm.refreshSeconds=1s',
            '--providers.providersThrottleDuration=1s',
            '--entryPoints.web.address=:80',
            '--serversTransport.forwardingTimeouts.dialTimeout=2s',
            '--entryPoints.traefik.address=:8082',
            '--ping=true',
            '--api=true',
            '--api.dashboard=false',
            '--accessLog=true',
            '--log.level=INFO',
            '--global.checkNewVersion=false',
            '--global.sendAnonymousUsage=false',
          ],
          Labels: { 'futuswarm.proxy': 'true', 'futuswarm.spec-hash': hash },
          Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock', ReadOnly: true }],
          StopGracePeriod: 10_000_000_000,
          Healthcheck: {
            Test: ['CMD', 'traefik', 'healthcheck', '--ping', '--entryPoints.traefik.address=:8082'],
            Interval: 5_000_000_000,
            Timeout: 3_000_000_000,
            Retries: 3,
            StartPeriod: 10_000_000_000,
          },
        },
        Placement: { Constraints: ['node.role == manager'] },
        RestartPolicy: { Condition: 'any', Delay: 2_000_000_000, MaxAttempts: 0, Window: 0 },
        Networks: [{ Target: 'futuswarm-proxy' }],
      },
      Mode: { Global: {} },
      UpdateConfig: { Parallelism: 1, Delay: 5_000_000_000, FailureAction: 'rollback', Monitor: 15_000_000_000, MaxFailureRatio: 0, Order: 'stop-first' },
      RollbackConfig: { Parallelism: 1, Delay: 5_000_000_000, FailureAction: 'pause', Monitor: 15_000_000_000, MaxFailureRatio: 0, Order: 'stop-first' },
      EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }] },
    });
  });

  it('with ACME: publishes 443, redirects HTTP, gets certificates for every router on websecure, keeps them in a volume', () => {
    const spec = buildProxyServiceSpec(
      { image: 'traefik:v3.6', httpPort: 80, httpsPort: 443, refreshSeconds: 5, acme: { email: 'ops@example.com', caServer: 'https://acme-staging-v02.api.letsencrypt.org/directory' } },
      'futuswarm-proxy',
    );
    assert.deepEqual(spec.EndpointSpec.Ports, [
      { Protocol: 'tcp', TargetPort: 80, PublishedPort: 80, PublishMode: 'host' },
      { Protocol: 'tcp', TargetPort: 443, PublishedPort: 443, PublishMode: 'host' },
    ]);
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Mounts.at(-1), { Type: 'volume', Source: 'futuswarm-proxy-acme', Target: '/acme', ReadOnly: false });
    const args = spec.TaskTemplate.ContainerSpec.Args;
    for (const arg of [
      '--entryPoints.websecure.address=:443',
      '--entryPoints.websecure.http.tls=true',
      '--entryPoints.web.http.redirections.entryPoint.to=websecure',
      '--entryPoints.web.http.redirections.entryPoint.scheme=https',
      '--entryPoints.websecure.http.tls.certResolver=futuswarm',
      '--certificatesResolvers.futuswarm.acme.email=ops@example.com',
      '--certificatesResolvers.futuswarm.acme.storage=/acme/acme.json',
      '--certificatesResolvers.futuswarm.acme.tlsChallenge=true',
      '--certificatesResolvers.futuswarm.acme.caServer=https://acme-staging-v02.api.letsencrypt.org/directory',
    ]) {
      assert.ok(args.includes(arg), `missing ${arg}`);
    }
    assert.ok(args.includes('--providers.providersThrottleDuration=2s'));
  });

  it('passes X-Forwarded-* on only from the trusted load balancers', () => {
    const args = buildProxyArgs({ ...local, trustedProxies: ['10.20.0.0/16', '10.21.0.0/16'] }, 'futuswarm-proxy');
    assert.ok(args.includes('--entryPoints.web.forwardedHeaders.trustedIPs=10.20.0.0/16,10.21.0.0/16'));
    assert.deepEqual(buildProxyArgs({ ...local, trustedProxies: [] }, 'futuswarm-proxy'), buildProxyArgs(local, 'futuswarm-proxy'));
  });

  it('the hash changes with anything that changes the proxy, and only then', () => {
    const base = buildProxyServiceSpec(local, 'futuswarm-proxy');
    assert.equal(base.Labels[PROXY_LABEL.specHash], buildProxyServiceSpec({ ...local }, 'futuswarm-proxy').Labels[PROXY_LABEL.specHash]);
    assert.equal(proxySpecHash(base), base.Labels[PROXY_LABEL.specHash]);
    for (const changed of [{ ...local, image: 'traefik:v3.6' }, { ...local, httpPort: 80 }, { ...local, refreshSeconds: 2 }]) {
      assert.notEqual(buildProxyServiceSpec(changed, 'futuswarm-proxy').Labels[PROXY_LABEL.specHash], base.Labels[PROXY_LABEL.specHash]);
    }
    assert.notEqual(buildProxyServiceSpec(local, 'other').Labels[PROXY_LABEL.specHash], base.Labels[PROXY_LABEL.specHash]);
  });

  it("with a resident agent, reads Docker through the agent's socket for it, never the engine's own", () => {
    const spec = buildProxyServiceSpec(local, 'futuswarm-proxy', '/run/futuswarm/docker/docker.sock');
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Mounts, [{ Type: 'bind', Source: '/run/futuswarm/docker', Target: '/run/futuswarm-docker', ReadOnly: true }]);
    assert.ok(spec.TaskTemplate.ContainerSpec.Args.includes('--providers.swarm.endpoint=unix:///run/futuswarm-docker/docker.sock'));
    assert.ok(!JSON.stringify(spec).includes('/var/run/docker.sock'));
    assert.notEqual(spec.Labels[PROXY_LABEL.specHash], buildProxyServiceSpec(local, 'futuswarm-proxy').Labels[PROXY_LABEL.specHash]);
  });

  it('never publishes the API and serves it only to the node itself, never to an app on the proxy network', () => {
    const args = buildProxyArgs(local, 'futuswarm-proxy');
    assert.ok(!args.some((a) => a.startsWith('--providers.swarm.exposedByDefault=true')));
    // No unguarded API router: the only one is the proxy's own, behind the allow list.
    assert.ok(!args.includes('--api.insecure=true'));
    const spec = buildProxyServiceSpec(local, 'futuswarm-proxy');
    assert.ok(!spec.EndpointSpec.Ports.some((p) => p.TargetPort === 8082));
    const routers = Object.keys(spec.Labels).filter((k) => /^traefik\.http\.routers\.[^.]+\.rule$/.test(k));
    assert.deepEqual(routers, ['traefik.http.routers.futuswarm-api.rule']);
    assert.equal(spec.Labels['traefik.http.routers.futuswarm-api.entrypoints'], 'traefik');
    // Overlay networks never take addresses there: the cluster file refuses such a pool.
    assert.equal(spec.Labels['traefik.http.middlewares.futuswarm-api-local.ipallowlist.sourcerange'], '127.0.0.1/32,172.16.0.0/12');
  });
});
