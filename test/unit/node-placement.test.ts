import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeBlockers, drainBlockers, globalServicesStranded, parseConstraint, satisfies, type PlacedService, type PlacementNode } from '../../src/core/node-placement.ts';

const node = (over: Partial<PlacementNode> & { id: string }): PlacementNode => ({
  hostname: over.id,
  role: 'worker',
  availability: 'active',
  state: 'ready',
  labels: {},
  engineLabels: {},
  platform: { os: 'linux', arch: 'x86_64' },
  ...over,
});
const service = (over: Partial<PlacedService> & { id: string }): PlacedService => ({
  name: over.id,
  app: over.id,
  mode: 'replicated',
  replicas: 3,
  constraints: [],
  maxReplicas: undefined,
  ...over,
});

const manager = node({ id: 'm1', hostname: 'manager', role: 'manager' });
const w1 = node({ id: 'w1', hostname: 'futuswarm-node1', labels: { zone: 'a', disk: 'ssd' } });
const w2 = node({ id: 'w2', hostname: 'futuswarm-node2', labels: { zone: 'b' } });

describe('placement constraints', () => {
  it('parse as key, operator and value, spaces allowed', () => {
    assert.deepEqual(parseConstraint('node.role == manager'), { key: 'node.role', op: '==', value: 'manager' });
    assert.deepEqual(parseConstraint('node.labels.zone!=a'), { key: 'node.labels.zone', op: '!=', value: 'a' });
    assert.equal(parseConstraint('node.role'), undefined);
  });

  const cases: [string, PlacementNode, boolean][] = [
    ['node.role==manager', manager, true],
    ['node.role==manager', w1, false],
    ['node.role!=manager', w1, true],
    ['node.hostname==futuswarm-node1', w1, true],
    ['node.hostname==FUTUSWARM-NODE1', w1, true],
    ['node.hostname!=futuswarm-node1', w1, false],
    ['node.id==w2', w2, true],
    ['node.labels.zone==a', w1, true],
    ['node.labels.zone==a', w2, false],
    ['node.labels.zone!=a', w2, true],
    ['node.labels.disk==ssd', w2, false],
    // A label the node lacks compares as the empty string, as Swarm does.
    ['node.labels.disk!=ssd', w2, true],
    ['node.labels.disk==', w2, true],
    ['node.platform.os==linux', w1, true],
    ['node.platform.arch==aarch64', w1, false],
    ['engine.labels.gpu==true', w1, false],
    ['something.unknown==x', w1, true],
  ];
  for (const [constraint, n, expected] of cases) {
    it(`${constraint} on ${n.hostname}: ${expected}`, () => assert.equal(satisfies(n, [constraint]), expected));
  }
  it('need every constraint met', () => {
    assert.equal(satisfies(w1, ['node.role==worker', 'node.labels.zone==a']), true);
    assert.equal(satisfies(w1, ['node.role==worker', 'node.labels.zone==b']), false);
  });
});

describe('drainBlockers', () => {
  const nodes = [manager, w1, w2];
  const on = (...ids: string[]) => new Set(ids);

  it('is empty when every app on the node can run on another active node', () => {
    assert.deepEqual(drainBlockers(w1, nodes, [service({ id: 'shop' }), service({ id: 'blog', constraints: ['node.role==worker'] })], on('shop', 'blog')), []);
  });

  it('names an app pinned to the node, or to labels only it has', () => {
    const services = [
      service({ id: 'pinned', constraints: ['node.hostname==futuswarm-node1'] }),
      service({ id: 'fast', constraints: ['node.labels.disk==ssd'] }),
      service({ id: 'free' }),
    ];
    assert.deepEqual(drainBlockers(w1, nodes, services, on('pinned', 'fast', 'free')), [
      { service: 'pinned', app: 'pinned', reason: 'no other active node meets its placement (node.hostname==futuswarm-node1)' },
      { service: 'fast', app: 'fast', reason: 'no other active node meets its placement (node.labels.disk==ssd)' },
    ]);
  });

  it('counts only nodes that are active and ready', () => {
    const others = [manager, w1, { ...w2, availability: 'drain' }, node({ id: 'w3', state: 'down' })];
    const blockers = drainBlockers(w1, others, [service({ id: 'shop', constraints: ['node.role==worker'] })], on('shop'));
    assert.deepEqual(blockers.map((b) => b.reason), ['no other active node meets its placement (node.role==worker)']);
    assert.deepEqual(drainBlockers(manager, [manager], [service({ id: 'shop' })], on('shop')).map((b) => b.reason), ['no other node is active and ready']);
  });

  it('leaves out services with no task on the node, global services, jobs and services scaled to 0', () => {
    const services = [
      service({ id: 'elsewhere', constraints: ['node.hostname==futuswarm-node1'] }),
      service({ id: 'proxy', mode: 'global', constraints: ['node.hostname==futuswarm-node1'] }),
      service({ id: 'job', mode: 'replicated-job', constraints: ['node.hostname==futuswarm-node1'] }),
      service({ id: 'zero', replicas: 0, constraints: ['node.hostname==futuswarm-node1'] }),
    ];
    assert.deepEqual(drainBlockers(w1, nodes, services, on('proxy', 'job', 'zero')), []);
  });

  it('says when at most N tasks per node leaves too little room', () => {
    const services = [service({ id: 'spread', replicas: 3, maxReplicas: 1 }), service({ id: 'roomy', replicas: 4, maxReplicas: 2 })];
    assert.deepEqual(drainBlockers(w1, nodes, services, on('spread', 'roomy')), [
      { service: 'spread', app: 'spread', reason: 'at most 1 task(s) per node: the 2 other node(s) it may use hold 2 of its 3' },
    ]);
  });

  it('describes blockers by app, else by service', () => {
    assert.equal(
      describeBlockers([{ service: 'shop', app: 'shop', reason: 'r1' }, { service: 'other', app: undefined, reason: 'r2' }]),
      'shop: r1; service other: r2',
    );
  });
});

describe('globalServicesStranded', () => {
  const proxy = service({ id: 'futuswarm-proxy', mode: 'global', constraints: ['node.role==manager'] });
  const registry = service({ id: 'futuswarm-registry', mode: 'global' });
  it('names global services that would run on no node', () => {
    assert.deepEqual(globalServicesStranded(manager, [manager, w1, w2], [proxy, registry]), ['futuswarm-proxy']);
    assert.deepEqual(globalServicesStranded(w1, [manager, w1, w2], [proxy, registry]), []);
    assert.deepEqual(globalServicesStranded({ ...manager, availability: 'drain' }, [manager, w1], [proxy]), []);
  });
});
