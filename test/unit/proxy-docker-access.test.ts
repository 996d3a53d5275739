import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carriesEnvironment, proxyMayRead, withoutEnvironment } from '../../src/core/proxy-docker-access.ts';

describe('proxyMayRead: what the proxy may ask of Docker', () => {
  const allowed: [string, string][] = [
    ['HEAD', '/_ping'],
    ['GET', '/_ping'],
    ['GET', '/v1.47/version'],
    ['GET', '/v1.24/services?filters=%7B%7D'],
    ['GET', '/v1.24/services/abc123'],
    ['GET', '/v1.24/tasks?filters=%7B%22service%22%3A%7B%22shop%22%3Atrue%7D%7D'],
    ['GET', '/v1.24/networks'],
    ['GET', '/v1.24/networks/futuswarm-proxy'],
    ['GET', '/v1.24/nodes'],
    ['GET', '/info'],
  ];
  for (const [method, url] of allowed) it(`lets ${method} ${url} through`, () => assert.equal(proxyMayRead(method, url), true));

  const refused: [string | undefined, string | undefined][] = [
    ['POST', '/v1.24/services/create'],
    ['POST', '/v1.24/containers/create'],
    ['DELETE', '/v1.24/services/shop'],
    ['PUT', '/v1.24/services'],
    ['GET', '/v1.24/containers/json'],
    ['GET', '/v1.24/secrets'],
    ['GET', '/v1.24/configs'],
    ['GET', '/v1.24/services/shop/logs'],
    ['GET', '/v1.24/services/..'],
    ['GET', '/v1.24/services/../containers/json'],
    ['GET', '/v1.24/services/%2e%2e/containers/json'],
    ['GET', '/v1.24/exec/abc/json'],
    ['GET', '/v1.24/swarm'],
    ['GET', '//v1.24/services'],
    ['GET', 'http://docker/v1.24/services'],
    [undefined, '/v1.24/services'],
    ['GET', undefined],
  ];
  for (const [method, url] of refused) it(`refuses ${method} ${url}`, () => assert.equal(proxyMayRead(method, url), false));
});

describe("withoutEnvironment: the proxy never sees an app's secrets", () => {
  it('takes Env out of services (spec and previous spec) and tasks, one or a list, and keeps the rest', () => {
    const service = {
      ID: 's1',
      Spec: { Name: 'shop', Labels: { 'traefik.enable': 'true' }, TaskTemplate: { ContainerSpec: { Image: 'shop:1', Env: ['DATABASE_URL=postgres://u:secret@db/shop'] } } },
      PreviousSpec: { TaskTemplate: { ContainerSpec: { Image: 'shop:0', Env: ['API_KEY=old-secret'] } } },
    };
    const task = { ID: 't1', Spec: { ContainerSpec: { Image: 'shop:1', Env: ['API_KEY=secret'] } }, Status: { State: 'running' } };
    const out = JSON.stringify(withoutEnvironment([structuredClone(service), structuredClone(task)]));
    assert.doesNotMatch(out, /secret/);
    assert.deepEqual(withoutEnvironment(structuredClone(task)), { ID: 't1', Spec: { ContainerSpec: { Image: 'shop:1' } }, Status: { State: 'running' } });
    assert.deepEqual((withoutEnvironment(structuredClone(service)) as typeof service).Spec.Labels, service.Spec.Labels);
    assert.deepEqual(withoutEnvironment({ message: 'no such service' }), { message: 'no such service' });
  });

  it('knows which answers carry environments', () => {
    assert.deepEqual(
      ['/v1.24/services', '/v1.24/services?filters=x', '/v1.24/tasks/t1', '/services', '/v1.24/networks', '/_ping', '/v1.24/servicesx'].map(carriesEnvironment),
      [true, true, true, true, false, false, false],
    );
  });
});
