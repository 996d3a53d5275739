import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDrainLeftovers, describeDrainProgress, drainScope, judgeDrain, taskName, type DrainService, type DrainTask } from '../../src/core/node-drain.ts';

const NODE = 'n1';
const NOW = 100_000;
const STABLE = 5_000;
let next = 0;
const task = (over: Partial<DrainTask> & { serviceId: string }): DrainTask => ({
  id: `t${++next}`.padEnd(25, 'x'),
  slot: 1,
  nodeId: 'n2',
  state: 'running',
  desiredState: 'running',
  since: 0,
  ...over,
});
const services: DrainService[] = [
  { id: 'shop', name: 'shop', mode: 'replicated', replicas: 3 },
  { id: 'blog', name: 'blog', mode: 'replicated', replicas: 1 },
  { id: 'proxy', name: 'futuswarm-proxy', mode: 'global', replicas: 0 },
  { id: 'gc', name: 'futuswarm-registry-gc', mode: 'replicated-job', replicas: 0 },
];

/** Before the drain: shop has 2 of 3 tasks and blog its only task on n1, shop's third on n2. */
const before = [
  task({ serviceId: 'shop', slot: 1, nodeId: NODE }),
  task({ serviceId: 'shop', slot: 2, nodeId: NODE }),
  task({ serviceId: 'shop', slot: 3, nodeId: 'n2' }),
  task({ serviceId: 'blog', slot: 1, nodeId: NODE }),
  task({ serviceId: 'proxy', slot: undefined, nodeId: NODE }),
  task({ serviceId: 'gc', slot: 1, nodeId: NODE }),
  task({ serviceId: 'shop', slot: 1, nodeId: NODE, state: 'shutdown', desiredState: 'shutdown' }),
];

describe('drainScope', () => {
  it('takes the replicated services with tasks alive on the node, and how many', () => {
    assert.deepEqual(drainScope({ id: NODE, ready: true }, services, before), {
      nodeId: NODE,
      nodeReady: true,
      services: [
        { id: 'shop', name: 'shop', onNode: 2 },
        { id: 'blog', name: 'blog', onNode: 1 },
      ],
    });
  });
});

describe('judgeDrain', () => {
  const scope = drainScope({ id: NODE, ready: true }, services, before);

  it('is not done while tasks stop on the node and replacements start', () => {
    const tasks = [
      task({ serviceId: 'shop', slot: 1, nodeId: NODE, desiredState: 'shutdown' }),
      task({ serviceId: 'shop', slot: 2, nodeId: NODE, state: 'shutdown', desiredState: 'shutdown' }),
      task({ serviceId: 'shop', slot: 3, nodeId: 'n2' }),
      task({ serviceId: 'shop', slot: 2, nodeId: 'n3', state: 'running', since: NOW - 1000 }),
      task({ serviceId: 'shop', slot: 1, nodeId: 'n3', state: 'starting' }),
      task({ serviceId: 'blog', slot: 1, nodeId: NODE, desiredState: 'shutdown' }),
      task({ serviceId: 'blog', slot: 1, nodeId: 'n2', since: 0 }),
      task({ serviceId: 'proxy', slot: undefined, nodeId: NODE }),
    ];
    const p = judgeDrain(scope, services, tasks, NOW, STABLE);
    assert.deepEqual(p, {
      toMove: 3,
      // blog's replacement is stable; shop's running one is too new, the other still starting.
      moved: 1,
      staying: ['blog.1', 'shop.1'],
      services: [
        { id: 'shop', service: 'shop', running: 1, desired: 3 },
        { id: 'blog', service: 'blog', running: 1, desired: 1 },
      ],
      short: [{ id: 'shop', service: 'shop', running: 1, desired: 3 }],
      done: false,
    });
    assert.equal(describeDrainProgress(p, 12.4), '3 tasks to move; 1/3 running elsewhere (12 s)');
    assert.equal(describeDrainLeftovers(p), 'still on the node: blog.1, shop.1; short elsewhere: shop runs 1 of 3');
  });

  it('is done when nothing replicated is alive on the node and every service runs its count elsewhere, stably', () => {
    const tasks = [
      task({ serviceId: 'shop', slot: 1, nodeId: NODE, state: 'shutdown', desiredState: 'shutdown' }),
      task({ serviceId: 'shop', slot: 2, nodeId: NODE, state: 'complete', desiredState: 'shutdown' }),
      task({ serviceId: 'shop', slot: 1, nodeId: 'n3' }),
      task({ serviceId: 'shop', slot: 2, nodeId: 'n3' }),
      task({ serviceId: 'shop', slot: 3, nodeId: 'n2' }),
      task({ serviceId: 'blog', slot: 1, nodeId: 'n2' }),
      // Global services and jobs are not waited for.
      task({ serviceId: 'proxy', slot: undefined, nodeId: NODE }),
      task({ serviceId: 'gc', slot: 1, nodeId: NODE }),
    ];
    const p = judgeDrain(scope, services, tasks, NOW, STABLE);
    assert.deepEqual({ ...p, services: p.services.map((s) => `${s.service} ${s.running}/${s.desired}`) }, { toMove: 3, moved: 3, staying: [], services: ['shop 3/3', 'blog 1/1'], short: [], done: true });
    assert.equal(describeDrainProgress(p, 30), '3 tasks to move; 3/3 running elsewhere (30 s)');
  });

  it('waits for the last task to stop even when replacements run', () => {
    const tasks = [
      task({ serviceId: 'shop', slot: 1, nodeId: NODE, desiredState: 'shutdown' }),
      task({ serviceId: 'shop', slot: 1, nodeId: 'n3' }),
      task({ serviceId: 'shop', slot: 2, nodeId: 'n3' }),
      task({ serviceId: 'shop', slot: 3, nodeId: 'n2' }),
      task({ serviceId: 'blog', slot: 1, nodeId: 'n2' }),
    ];
    const p = judgeDrain(scope, services, tasks, NOW, STABLE);
    assert.equal(p.done, false);
    assert.equal(describeDrainProgress(p, 3), '3 tasks to move; 3/3 running elsewhere; 1 task still stopping on the node (3 s)');
  });

  it('counts a removed service as moved and follows a scaled one to its new count', () => {
    const scaled = [{ ...services[0]!, replicas: 1 }];
    const p = judgeDrain(scope, scaled, [task({ serviceId: 'shop', slot: 3, nodeId: 'n2' })], NOW, STABLE);
    assert.deepEqual({ ...p, services: p.services.map((s) => `${s.service} ${s.running}/${s.desired}`) }, { toMove: 3, moved: 3, staying: [], services: ['shop 1/1', 'blog 0/0'], short: [], done: true });
  });

  it('does not wait for tasks a node that is down still reports', () => {
    const down = drainScope({ id: NODE, ready: false }, services, before);
    const tasks = [...before, task({ serviceId: 'shop', slot: 1, nodeId: 'n2' }), task({ serviceId: 'shop', slot: 2, nodeId: 'n2' }), task({ serviceId: 'blog', slot: 1, nodeId: 'n2' })];
    assert.equal(judgeDrain(down, services, tasks, NOW, STABLE).done, true);
  });

  it('has nothing to move on an empty node', () => {
    const empty = drainScope({ id: 'n9', ready: true }, services, before);
    const p = judgeDrain(empty, services, before, NOW, STABLE);
    assert.deepEqual(p, { toMove: 0, moved: 0, staying: [], services: [], short: [], done: true });
    assert.equal(describeDrainProgress(p, 0), 'no tasks to move (0 s)');
  });

  it('names tasks by service and slot, else by ID', () => {
    assert.equal(taskName('shop', { id: 'abcdefabcdefabcdef', slot: 2 }), 'shop.2');
    assert.equal(taskName('proxy', { id: 'abcdefabcdefabcdef', slot: undefined }), 'proxy.abcdefabcdef');
  });
});
