import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildServiceSpec, canonicalJson, LABEL, specHash, templateHash, type AppSettings } from '../../src/core/service-spec.ts';

const cluster = { name: 'prod', domain: 'apps.example.com', network: 'futuswarm-proxy', scheme: 'https' as const };
const timing = { monitorSeconds: 5, stopGraceSeconds: 10 };
const settings: AppSettings = { port: 8080, replicas: 2, domains: [], internal: false };

describe('buildServiceSpec', () => {
  it('takes the cluster\'s default limits where the app sets none, each limit on its own', () => {
    const limitsOf = (own: AppSettings['limits'], defaults?: { cpus?: number; memoryMb?: number }) =>
      buildServiceSpec('shop', { ...settings, ...(own ? { limits: own } : {}) }, { number: 1, image: 'acme/shop:1', env: {} }, cluster, { ...timing, defaultLimits: defaults }).TaskTemplate.Resources.Limits;
    assert.deepEqual(limitsOf(undefined, undefined), {});
    assert.deepEqual(limitsOf(undefined, { cpus: 1, memoryMb: 512 }), { NanoCPUs: 1e9, MemoryBytes: 512 * 1024 * 1024 });
    assert.deepEqual(limitsOf({ memoryMb: 2048 }, { cpus: 1, memoryMb: 512 }), { NanoCPUs: 1e9, MemoryBytes: 2048 * 1024 * 1024 });
    assert.deepEqual(limitsOf({ cpus: 0.25 }, { memoryMb: 512 }), { NanoCPUs: 0.25e9, MemoryBytes: 512 * 1024 * 1024 });
  });

  it('puts an app on its own network and those of its links; only an app with a route joins the proxy network', () => {
    const networks = (s: Partial<AppSettings>) =>
      buildServiceSpec('shop', { ...settings, ...s }, { number: 1, image: 'acme/shop:1', env: {} }, cluster, timing).TaskTemplate.Networks;
    assert.deepEqual(networks({ internal: true }), [{ Target: 'futuswarm-app-shop', Aliases: ['shop'] }]);
    assert.deepEqual(networks({ internal: true, links: ['search', 'catalog', 'search', 'shop'] }), [
      { Target: 'futuswarm-app-shop', Aliases: ['shop'] },
      { Target: 'futuswarm-app-catalog', Aliases: [] },
      { Target: 'futuswarm-app-search', Aliases: [] },
    ]);
    assert.deepEqual(networks({ links: ['catalog'] }).map((n) => n.Target), ['futuswarm-app-shop', 'futuswarm-app-catalog', 'futuswarm-proxy']);
    // No links leaves the settings label as it was before links existed.
    const label = (s: Partial<AppSettings>) =>
      buildServiceSpec('shop', { ...settings, ...s }, { number: 1, image: 'acme/shop:1', env: {} }, cluster, timing).Labels[LABEL.settings];
    assert.equal(label({}), '{"domains":[],"internal":false,"port":8080,"replicas":2}');
    assert.equal(label({ links: ['catalog'] }), '{"domains":[],"internal":false,"links":["catalog"],"port":8080,"replicas":2}');
  });

  it('builds the whole spec as data', () => {
    const spec = buildServiceSpec('shop', { ...settings, limits: { cpus: 0.5, memoryMb: 256 } }, { number: 7, image: 'acme/shop:1.4', env: { B: '2', A: '1' } }, cluster, timing);
    const { [LABEL.specHash]: hash, [LABEL.templateHash]: tHash, ...labels } = spec.Labels;
    assert.match(hash ?? '', /^[0-9a-f]{16}$/);
    assert.match(tHash ?? '', /^[0-9a-f]{16}$/);
    assert.deepEqual(labels, {
      'futuswarm.app': 'shop',
      'futuswarm.release': '7',
      'futuswarm.image': 'acme/shop:1.4',
      'futuswarm.settings': '{"domains":[],"internal":false,"limits":{"cpus":0.5,"memoryMb":256},"port":8080,"replicas":2}',
      'traefik.enable': 'true',
      'traefik.swarm.network': 'futuswarm-proxy',
      'traefik.http.routers.shop.rule': 'Host(`shop.apps.example.com`)',
      'traefik.http.routers.shop.service': 'shop',
      'traefik.http.services.shop.loadbalancer.server.port': '8080',
      'traefik.http.middlewares.shop-retry.retry.attempts': '2',
      'traefik.http.routers.shop.middlewares': 'shop-retry',
      'traefik.http.services.shop.loadbalancer.passivehealthcheck.failurewindow': '5s',
      'traefik.http.services.shop.loadbalancer.passivehealthcheck.maxfailedattempts': '2',
    });
    const { Labels: _labels, ...rest } = spec;
    assert.deepEqual(rest, {
      Name: 'shop',
      TaskTemplate: {
        ContainerSpec: {
          Image: 'acme/shop:1.4',
          Labels: { 'futuswarm.app': 'shop', 'futuswarm.release': '7' },
          Env: ['A=1', 'B=2'],
          StopGracePeriod: 10_000_000_000,
        },
        Resources: { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 268_435_456 } },
        RestartPolicy: { Condition: 'any', Delay: 5_000_000_000, MaxAttempts: 0, Window: 0 },
        // Its own network, where its name resolves, and the proxy's, without an alias.
        Networks: [
          { Target: 'futuswarm-app-shop', Aliases: ['shop'] },
          { Target: 'futuswarm-proxy', Aliases: [] },
        ],
      },
      Mode: { Replicated: { Replicas: 2 } },
      UpdateConfig: { Parallelism: 1, Delay: 0, FailureAction: 'rollback', Monitor: 5_000_000_000, MaxFailureRatio: 0, Order: 'start-first' },
      RollbackConfig: { Parallelism: 1, Delay: 0, FailureAction: 'pause', Monitor: 5_000_000_000, MaxFailureRatio: 0, Order: 'start-first' },
      EndpointSpec: { Mode: 'dnsrr' },
    });
  });

  it('sets no limits when none are given', () => {
    const spec = buildServiceSpec('shop', settings, { number: 1, image: 'acme/shop:1', env: {} }, cluster, timing);
    assert.deepEqual(spec.TaskTemplate.Resources, { Limits: {} });
  });

  it('hashes ignore the release number, so a redeploy of the same thing is a no-op', () => {
    const a = buildServiceSpec('shop', settings, { number: 1, image: 'acme/shop:1', env: {} }, cluster, timing);
    const b = buildServiceSpec('shop', settings, { number: 2, image: 'acme/shop:1', env: {} }, cluster, timing);
    assert.equal(a.Labels[LABEL.specHash], b.Labels[LABEL.specHash]);
    assert.equal(specHash(a), specHash(b));
  });

  it('a new image changes the task template; a new replica count does not', () => {
    const base = buildServiceSpec('shop', settings, { number: 1, image: 'acme/shop:1', env: {} }, cluster, timing);
    const image = buildServiceSpec('shop', settings, { number: 1, image: 'acme/shop:2', env: {} }, cluster, timing);
    const scaled = buildServiceSpec('shop', { ...settings, replicas: 5 }, { number: 1, image: 'acme/shop:1', env: {} }, cluster, timing);
    assert.notEqual(templateHash(base), templateHash(image));
    assert.equal(templateHash(base), templateHash(scaled));
    assert.notEqual(base.Labels[LABEL.specHash], scaled.Labels[LABEL.specHash]);
  });

  it('an environment change changes the template', () => {
    const a = buildServiceSpec('shop', settings, { number: 1, image: 'acme/shop:1', env: { A: '1' } }, cluster, timing);
    const b = buildServiceSpec('shop', settings, { number: 1, image: 'acme/shop:1', env: { A: '2' } }, cluster, timing);
    assert.notEqual(templateHash(a), templateHash(b));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
  });
});
