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

  it('probes an HTTP path with curl, else nc, else wget', () => {
    const check = buildHealthcheck(appSettingsSchema.shape.health.unwrap().parse({ path: '/healthz' }), 8000);
    const probe = check?.Test[1] ?? '';
    assert.equal(check?.Test[0], 'CMD-SHELL');
    assert.match(probe, /^if command -v curl .* curl -fsS -o \/dev\/null --max-time 2 'http:\/\/127\.0\.0\.1:8000\/healthz'; elif command -v nc .* nc -w 2 127\.0\.0\.1 8000 .*; else wget .*; fi$/);
  });

  it('refuses a health path that could break out of the probe', () => {
    assert.equal(appSettingsSchema.safeParse({ port: 1, replicas: 1, health: { path: "/x'; rm -rf /; '" } }).success, false);
  });
});
