import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appHosts, buildHealthcheck, buildProxyLabels, buildServiceSpec } from '../../src/core/service-spec.ts';
import { appSettingsSchema } from '../../src/core/app-settings.ts';

const cluster = { name: 'c', domain: 'apps.example.com', network: 'futuswarm-proxy', scheme: 'https' as const };

describe('proxy labels', () => {
  it('routes every host name of the app to its port', () => {
    const settings = appSettingsSchema.parse({ port: 3000, replicas: 1, domains: ['Shop.Example.com', 'www.shop.example.com'] });
    assert.deepEqual(appHosts('shop', settings, cluster), ['shop.apps.example.com', 'shop.example.com', 'www.shop.example.com']);
    assert.deepEqual(buildProxyLabels('shop', settings, cluster), {
      'traefik.enable': 'true',
      'traefik.swarm.network': 'futuswarm-proxy',
      'traefik.http.routers.shop.rule': 'Host(`shop.apps.example.com`) || Host(`shop.example.com`) || Host(`www.shop.example.com`)',
      'traefik.http.routers.shop.service': 'shop',
      'traefik.http.services.shop.loadbalancer.server.port': '3000',
      'traefik.http.middlewares.shop-retry.retry.attempts': '2',
      'traefik.http.routers.shop.middlewares': 'shop-retry',
      'traefik.http.services.shop.loadbalancer.passivehealthcheck.failurewindow': '5s',
      'traefik.http.services.shop.loadbalancer.passivehealthcheck.maxfailedattempts': '2',
    });
  });

  it('internal apps get no route', () => {
    const settings = appSettingsSchema.parse({ port: 3000, replicas: 1, internal: true });
    assert.deepEqual(buildProxyLabels('worker', settings, cluster), { 'traefik.enable': 'false' });
  });

  it('the proxy health check follows the app health path', () => {
    const settings = appSettingsSchema.parse({ port: 3000, replicas: 1, health: { path: '/healthz', intervalSeconds: 3, timeoutSeconds: 2 } });
    const labels = buildProxyLabels('shop', settings, cluster);
    assert.equal(labels['traefik.http.services.shop.loadbalancer.healthcheck.path'], '/healthz');
    assert.equal(labels['traefik.http.services.shop.loadbalancer.healthcheck.interval'], '3s');
    assert.equal(labels['traefik.http.services.shop.loadbalancer.healthcheck.timeout'], '2s');
  });
});

describe('Swarm health check', () => {
  it('keeps the image health check when none is configured', () => {
    assert.equal(buildHealthcheck(undefined, 80), undefined);
    const spec = buildServiceSpec('shop', appSettingsSchema.parse({ port: 80, replicas: 1 }), { number: 1, image: 'a/b:1', env: {} }, cluster, { monitorSeconds: 5, stopGraceSeconds: 10 });
    assert.equal(spec.TaskTemplate.ContainerSpec.Healthcheck, undefined);
  });

  it('runs a given command in a shell', () => {
    const check = buildHealthcheck(appSettingsSchema.shape.health.unwrap().parse({ cmd: 'pg_isready', intervalSeconds: 5, timeoutSeconds: 3, retries: 2 }), 80);
    assert.deepEqual(check, { Test: ['CMD-SHELL', 'pg_isready'], Interval: 5e9, Timeout: 3e9, Retries: 2, StartPeriod: 0 });
  });

  it('probes an HTTP path with the node\'s static probe, mounted read-only, without a shell', () => {
    const health = appSettingsSchema.shape.health.unwrap().parse({ path: '/healthz?deep=1', timeoutSeconds: 4 });
    assert.deepEqual(buildHealthcheck(health, 8000), {
      Test: ['CMD', '/.futuswarm/futuswarm-probe', '-timeout', '4', 'http://127.0.0.1:8000/healthz?deep=1'],
      Interval: 2e9,
      Timeout: 4e9,
      Retries: 3,
      StartPeriod: 0,
    });
    const spec = buildServiceSpec('shop', appSettingsSchema.parse({ port: 8000, replicas: 1, health: { path: '/healthz' } }), { number: 1, image: 'a/b:1', env: {} }, cluster, { monitorSeconds: 5, stopGraceSeconds: 10 });
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Mounts, [{ Type: 'bind', Source: '/opt/futuswarm/probe', Target: '/.futuswarm', ReadOnly: true }]);
    // A command of the user's own runs in the image's shell and needs no probe.
    const cmd = buildServiceSpec('shop', appSettingsSchema.parse({ port: 8000, replicas: 1, health: { cmd: 'true' } }), { number: 1, image: 'a/b:1', env: {} }, cluster, { monitorSeconds: 5, stopGraceSeconds: 10 });
    assert.equal(cmd.TaskTemplate.ContainerSpec.Mounts, undefined);
  });

  it('says why a health path is refused', () => {
    const reason = (path: string) => {
      const r = appSettingsSchema.safeParse({ port: 1, replicas: 1, health: { path } });
      return r.success ? 'ok' : r.error.issues.map((i) => i.message).join('; ');
    };
    assert.equal(reason('/healthz?full=1&x=%2F'), 'ok');
    assert.match(reason('healthz'), /must be an absolute path that starts with \//);
    assert.match(reason('//evil.example/x'), /names a host/);
    assert.match(reason('/x#top'), /fragment/);
    assert.match(reason('/x y'), /percent-encode anything else \(a space is %20\)/);
    assert.match(reason('/100%'), /two hex digits/);
  });

  it('refuses a health path that could break out of the probe', () => {
    assert.equal(appSettingsSchema.safeParse({ port: 1, replicas: 1, health: { path: "/x'; rm -rf /; '" } }).success, false);
  });
});
