import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildJobSpec, isOneOffService, jobName } from '../../src/core/job-spec.ts';
import { buildRegistryGcJobSpec } from '../../src/core/registry-gc.ts';
import { appName } from '../../src/core/names.ts';

describe('buildJobSpec', () => {
  it('builds a one-task replicated job with the app image, env, networks and limits', () => {
    const spec = buildJobSpec({
      app: 'shop',
      id: 'ab12cd34',
      image: 'acme/shop@sha256:' + 'a'.repeat(64),
      env: { Z: '1', A: 'x=y' },
      command: ['bin/migrate', '--step', '1'],
      user: 'alice',
      settings: { limits: { cpus: 0.5, memoryMb: 256 }, links: ['search', 'catalog'] },
    });
    assert.deepEqual(spec, {
      Name: 'shop_run_ab12cd34',
      Labels: { 'futuswarm.job.app': 'shop', 'futuswarm.job.user': 'alice' },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'acme/shop@sha256:' + 'a'.repeat(64),
          Args: ['bin/migrate', '--step', '1'],
          Env: ['A=x=y', 'Z=1'],
          Labels: { 'futuswarm.job.app': 'shop', 'futuswarm.job.user': 'alice' },
          Healthcheck: { Test: ['NONE'] },
        },
        Resources: { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 256 * 1024 * 1024 } },
        RestartPolicy: { Condition: 'none' },
        // Its app's network and its links', never the proxy's.
        Networks: [
          { Target: 'futuswarm-app-shop', Aliases: ['shop'] },
          { Target: 'futuswarm-app-catalog', Aliases: [] },
          { Target: 'futuswarm-app-search', Aliases: [] },
        ],
      },
      Mode: { Replicated: { Replicas: 1 } },
    });
  });
  it('for app:run -it, holds with the node\'s probe instead of running the command, within the cluster\'s default limits', () => {
    const spec = buildJobSpec({ app: 'shop', id: 'ab12cd34', image: 'acme/shop:1', env: {}, command: ['sh'], user: 'alice', settings: {}, defaultLimits: { memoryMb: 512 }, holdSeconds: 3600 });
    const c = spec.TaskTemplate.ContainerSpec;
    assert.deepEqual([c.Command, c.Args], [['/.futuswarm/futuswarm-probe', '-hold', '3600'], []]);
    assert.deepEqual(c.Mounts, [{ Type: 'bind', Source: '/opt/futuswarm/probe', Target: '/.futuswarm', ReadOnly: true }]);
    assert.deepEqual(spec.TaskTemplate.Resources.Limits, { MemoryBytes: 512 * 1024 * 1024 });
  });

  it('names jobs so that no app can have the same name', () => {
    assert.equal(jobName('shop', '0f0f0f0f'), 'shop_run_0f0f0f0f');
    assert.equal(appName.safeParse(jobName('shop', '0f0f0f0f')).success, false);
    assert.ok(jobName('a'.repeat(40), 'ffffffff').length <= 63, 'Swarm service names are at most 63 characters');
  });
});

describe('isOneOffService', () => {
  it("knows app:run's jobs and the registry's collector by their labels, and nothing else", () => {
    const gc = buildRegistryGcJobSpec({ image: 'localhost/registry:v3.1.2', config: { id: 'c', name: 'n' }, nodeId: 'node', dryRun: true, id: 'ab12' });
    assert.equal(isOneOffService(gc.Labels), true);
    assert.equal(isOneOffService({ 'futuswarm.job.app': 'shop', 'futuswarm.job.user': 'alice' }), true);
    assert.equal(isOneOffService({ 'futuswarm.app': 'shop' }), false);
    assert.equal(isOneOffService({ 'futuswarm.registry': 'true' }), false);
  });
});
