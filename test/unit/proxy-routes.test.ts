import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectAppRoutes } from '../../src/agent/proxy-status.ts';
import type { TaskInfo } from '../../src/docker/engine.ts';
import type { TraefikRouter, TraefikService } from '../../src/traefik/api.ts';

const routers: TraefikRouter[] = [
  { name: 'api@internal', provider: 'internal', service: 'api@internal', rule: 'PathPrefix(`/api`)', entryPoints: ['traefik'], status: 'enabled' },
  { name: 'shop@swarm', provider: 'swarm', service: 'shop', rule: 'Host(`shop.apps.example.com`) || Host(`shop.example.com`)', entryPoints: ['web'], status: 'enabled' },
  { name: 'blog@swarm', provider: 'swarm', service: 'blog', rule: 'Host(`blog.apps.example.com`)', entryPoints: ['web'], status: 'enabled' },
];
const services: TraefikService[] = [
  {
    name: 'shop@swarm',
    provider: 'swarm',
    status: 'enabled',
    loadBalancer: {
      servers: [{ url: 'http://10.0.1.7:8000' }, { url: 'http://10.0.1.6:8000' }],
      healthCheck: { path: '/healthz', interval: '2s', timeout: '2s' },
    },
    serverStatus: { 'http://10.0.1.6:8000': 'UP', 'http://10.0.1.7:8000': 'DOWN' },
  },
  { name: 'blog@swarm', provider: 'swarm', status: 'enabled', loadBalancer: { servers: [{ url: 'http://10.0.1.9:80' }] } },
];

function task(id: string, address: string): TaskInfo {
  return {
    id, serviceId: 's1', slot: 1, nodeId: 'n1', state: 'running', desiredState: 'running', message: '', error: undefined, exitCode: undefined,
    containerId: undefined, release: '1', labels: {}, addresses: { 'futuswarm-proxy': [address] }, image: 'x', createdAt: '', updatedAt: '', since: 0,
  };
}

describe('selectAppRoutes', () => {
  it("picks the app's routers and servers, with health and the task behind each server", () => {
    assert.deepEqual(selectAppRoutes('shop', routers, services, [task('aaaaaaaaaaaaXYZ', '10.0.1.6'), task('bbbbbbbbbbbbXYZ', '10.0.1.7')]), {
      proxy: 'ok',
      routes: [{ name: 'shop@swarm', rule: 'Host(`shop.apps.example.com`) || Host(`shop.example.com`)', entryPoints: ['web'], status: 'enabled', tls: false, errors: [] }],
      servers: [
        { url: 'http://10.0.1.6:8000', status: 'UP', task: 'aaaaaaaaaaaa' },
        { url: 'http://10.0.1.7:8000', status: 'DOWN', task: 'bbbbbbbbbbbb' },
      ],
      healthCheck: { path: '/healthz', interval: '2s', timeout: '2s' },
    });
  });

  it('servers without a health check count as up; unknown tasks are left blank', () => {
    const r = selectAppRoutes('blog', routers, services, []);
    assert.deepEqual(r.servers, [{ url: 'http://10.0.1.9:80', status: 'UP', task: undefined }]);
    assert.equal(r.healthCheck, undefined);
  });

  it('an app the proxy does not know has no routes', () => {
    assert.deepEqual(selectAppRoutes('gone', routers, services, []), { proxy: 'ok', routes: [], servers: [], healthCheck: undefined });
  });
});
