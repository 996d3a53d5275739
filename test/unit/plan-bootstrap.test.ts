/** The bootstrap plan as data: what it creates, in which order, and what it does with what exists. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ref, type ObservedCluster, resolveRefs } from '../../src/core/plan-resources.ts';
import { buildDesiredCluster, dependenciesOf } from '../../src/core/plan-desired.ts';
import { formatPlan, planBootstrap, statusRows } from '../../src/core/plan-bootstrap.ts';
import { buildWorkerPolicy } from '../../src/core/plan-iam.ts';
import { stateKeys } from '../../src/state/keys.ts';
import { NODE_KEY_PENDING } from '../../src/core/plan-cloud-init.ts';
import { NODE_KEY_OBJECT_KEY } from '../../src/core/plan-names.ts';
import { buildSecurityGroupRules } from '../../src/core/plan-network.ts';
import { ACCOUNT, config, empty, facts, observedFrom } from '../helpers/plan-fixtures.ts';

test('on an empty account the plan creates every resource, each after what it needs', () => {
  const plan = planBootstrap(config(), facts, empty);
  assert.deepEqual(
    plan.steps.map((s) => [s.kind, s.name, s.dependsOn]),
    [
      ['kms-key', 'key', []],
      ['kms-alias', 'key-alias', ['key']],
      ['s3-bucket', 'bucket', ['key']],
      ['agent-bundle', 'agent-bundle', ['bucket', 'key']],
      ['node-key', 'node-key', ['bucket', 'key-alias']],
      ['certificate', 'certificate', []],
      ['vpc', 'vpc', []],
      ['subnet', 'subnet-1', ['vpc']],
      ['subnet', 'subnet-2', ['vpc']],
      ['internet-gateway', 'igw', ['vpc']],
      ['route-table', 'routes', ['vpc', 'igw', 'subnet-1', 'subnet-2']],
      ['security-group', 'sg-lb', ['vpc']],
      ['security-group', 'sg-nodes', ['vpc']],
      ['security-group', 'sg-db', ['vpc']],
      ['security-group', 'sg-cache', ['vpc']],
      ['security-group-rules', 'sg-lb-rules', ['sg-lb', 'sg-nodes']],
      ['security-group-rules', 'sg-nodes-rules', ['sg-nodes', 'sg-lb']],
      ['security-group-rules', 'sg-db-rules', ['sg-db', 'sg-nodes']],
      ['security-group-rules', 'sg-cache-rules', ['sg-cache', 'sg-nodes']],
      ['iam-role', 'node-role', ['key']],
      ['instance-profile', 'node-profile', ['node-role']],
      ['iam-role', 'worker-role', ['key']],
      ['instance-profile', 'worker-profile', ['worker-role']],
      ['launch-template', 'node-template', ['sg-nodes', 'worker-profile']],
      ['db-subnet-group', 'db-subnets', ['subnet-1', 'subnet-2']],
      ['instance', 'manager-1', ['node-template', 'subnet-1', 'node-profile', 'node-key', 'routes', 'bucket', 'key-alias', 'node-role', 'agent-bundle']],
      ['instance', 'worker-1', ['node-template', 'subnet-2', 'worker-profile', 'node-key', 'routes', 'bucket', 'key-alias', 'worker-role', 'agent-bundle']],
      ['target-group', 'target-group', ['vpc', 'manager-1']],
      ['load-balancer', 'lb', ['subnet-1', 'subnet-2', 'sg-lb', 'igw']],
      ['listener', 'listener-http', ['lb']],
      ['listener', 'listener-https', ['lb', 'certificate', 'target-group']],
      ['state-object', 'state', plan.steps.at(-1)!.dependsOn],
    ],
  );
  assert.ok(plan.steps.every((s) => s.action === 'create'));
  assert.equal(plan.noChanges, false);
  const order = plan.steps.map((s) => s.name);
  for (const s of plan.steps) for (const dep of s.dependsOn) assert.ok(order.indexOf(dep) < order.indexOf(s.name), `${s.name} before ${dep}`);
});

test('subnets are spread over the first zones of the region, nodes round-robin over the subnets', () => {
  const desired = buildDesiredCluster(config({ nodes: { managers: 3, workers: 2, image: { id: 'ami-0123456789abcdef0' } } }), facts);
  const subnets = desired.filter((d) => d.kind === 'subnet').map((d) => [d.name, d.cidr, d.availabilityZone]);
  assert.deepEqual(subnets, [
    ['subnet-1', '10.42.0.0/20', 'eu-north-1a'],
    ['subnet-2', '10.42.16.0/20', 'eu-north-1b'],
  ]);
  const placement = desired.flatMap((d) => (d.kind === 'instance' ? [[d.name, d.subnet.ref, d.node.swarmInit]] : []));
  assert.deepEqual(placement, [
    ['manager-1', 'subnet-1', true],
    ['manager-2', 'subnet-2', false],
    ['manager-3', 'subnet-1', false],
    ['worker-1', 'subnet-2', false],
    ['worker-2', 'subnet-1', false],
  ]);
  const tg = desired.find((d) => d.kind === 'target-group');
  assert.deepEqual(tg?.kind === 'target-group' && tg.targets.map((t) => t.ref), ['manager-1', 'manager-2', 'manager-3']);
});

test('every node, manager or worker, runs in the security group that databases and caches admit', () => {
  const desired = buildDesiredCluster(config({ nodes: { managers: 3, workers: 2, image: { id: 'ami-0123456789abcdef0' } }, databases: { shared: true } }), facts);
  const template = desired.find((d) => d.kind === 'launch-template');
  assert.ok(template?.kind === 'launch-template');
  const nodes = desired.flatMap((d) => (d.kind === 'instance' ? [[d.name, d.launchTemplate.ref]] : []));
  assert.deepEqual(nodes, [['manager-1', template.name], ['manager-2', template.name], ['manager-3', template.name], ['worker-1', template.name], ['worker-2', template.name]]);
  assert.equal(template.securityGroup.ref, 'sg-nodes');
  const db = desired.find((d) => d.kind === 'db-instance');
  assert.equal(db?.kind === 'db-instance' && db.securityGroup.ref, 'sg-db');
  const rules = buildSecurityGroupRules(config());
  assert.deepEqual(rules['sg-db'].ingress.map((r) => [r.protocol, r.fromPort, r.peer]), [['tcp', 5432, { group: 'sg-nodes' }]]);
  assert.deepEqual(rules['sg-cache'].ingress.map((r) => [r.protocol, r.fromPort, r.peer]), [['tcp', 6379, { group: 'sg-nodes' }]]);
  // Tasks leave a node with the node's address (docker_gwbridge masquerades), so the node's way out is theirs.
  assert.deepEqual(rules['sg-nodes'].egress.map((r) => r.peer), [{ cidr: '0.0.0.0/0' }]);
});

test('when everything exists as planned: no changes', () => {
  const c = config();
  const desired = buildDesiredCluster(c, facts);
  const plan = planBootstrap(c, facts, observedFrom(desired));
  assert.equal(plan.noChanges, true);
  assert.deepEqual(plan.steps.filter((s) => s.action !== 'keep'), []);
  assert.match(formatPlan(plan), /^no changes: all 32 resources exist$/);
});

test('a resource deleted by hand is recreated, and only it (plus the state that records its id)', () => {
  const c = config();
  const desired = buildDesiredCluster(c, facts);
  const plan = planBootstrap(c, facts, observedFrom(desired, ['worker-1']));
  assert.deepEqual(
    plan.steps.filter((s) => s.action !== 'keep').map((s) => [s.action, s.name]),
    [
      ['create', 'worker-1'],
      ['update', 'state'],
    ],
  );
});

test('a recreated dependency updates what points at it', () => {
  const c = config();
  const desired = buildDesiredCluster(c, facts);
  const plan = planBootstrap(c, facts, observedFrom(desired, ['igw']));
  assert.deepEqual(
    plan.steps.filter((s) => s.action !== 'keep').map((s) => [s.action, s.name, s.changes ?? []]),
    [
      ['create', 'igw', []],
      ['update', 'routes', ['defaultRoute: id-igw → (id of new igw)']],
      ['update', 'state', ['content differs']],
    ],
  );
});

test('the agent bundle is uploaded when missing, replaced when its content hash differs, kept when equal', () => {
  const c = config();
  const desired = buildDesiredCluster(c, facts);
  const bundle = desired.find((d) => d.kind === 'agent-bundle');
  assert.ok(bundle?.kind === 'agent-bundle');
  assert.equal(bundle.key, 'dist/futuswarm-agent-linux-x64.tar.gz');
  assert.deepEqual(planBootstrap(c, facts, observedFrom(desired, ['agent-bundle'])).steps.filter((s) => s.action !== 'keep').map((s) => [s.action, s.name, s.reason]), [
    ['create', 'agent-bundle', 'not uploaded yet'],
  ]);
  const stale = observedFrom(desired);
  stale.resources.find((r) => r.name === 'agent-bundle')!.props.contentHash = 'sha256:bbbb';
  const plan = planBootstrap(c, facts, stale);
  assert.deepEqual(plan.steps.filter((s) => s.action !== 'keep').map((s) => [s.action, s.name, s.changes]), [['update', 'agent-bundle', ['contentHash: sha256:bbbb → sha256:aaaa']]]);
  // cluster:status on a machine that cannot build the bundle only checks that one exists.
  const unknown = { ...facts, agentBundle: { contentHash: null, files: [] } };
  assert.equal(planBootstrap(c, unknown, stale).noChanges, true);
  // Every node installs the agent at first boot: none starts before the bundle is there.
  for (const node of desired.filter((d) => d.kind === 'instance')) assert.ok(dependenciesOf(node).includes('agent-bundle'), node.name);
});

test('the node key is generated when missing, kept when it exists, and every node gets its public half at launch', () => {
  const c = config({ nodes: { managers: 3, workers: 2, image: { id: 'ami-0123456789abcdef0' } } });
  const desired = buildDesiredCluster(c, facts);
  const key = desired.find((d) => d.kind === 'node-key');
  assert.ok(key?.kind === 'node-key');
  assert.deepEqual([key.key, key.cluster, key.comment, key.encryptionKey, key.bucket], ['cluster/node-key', 'prod', 'futuswarm-node@prod', ref('key-alias'), ref('bucket')]);
  assert.equal(NODE_KEY_OBJECT_KEY, stateKeys.nodeKey);

  const plan = planBootstrap(c, facts, observedFrom(desired, ['node-key']));
  assert.deepEqual(plan.steps.filter((s) => s.action !== 'keep').map((s) => [s.action, s.name, s.reason]), [['create', 'node-key', 'not generated yet']]);
  assert.match(formatPlan(plan), /^\+ create +node-key +node-key +\(not generated yet\)$/m);
  const kept = planBootstrap(c, facts, observedFrom(desired));
  assert.equal(kept.steps.find((s) => s.name === 'node-key')!.action, 'keep');
  assert.match(formatPlan(kept, { all: true }), /^  keep +node-key +node-key +\(id-node-key\)$/m);

  // Each node's user data has the key's place; at launch the key is known by reference.
  const instances = desired.filter((d) => d.kind === 'instance');
  assert.equal(instances.length, 5);
  for (const node of instances) {
    assert.deepEqual(node.nodeKey, ref('node-key', 'publicKey'));
    assert.equal(node.userData.split(NODE_KEY_PENDING).length, 2, node.name);
  }
  const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3x futuswarm-node@prod';
  assert.equal(resolveRefs(instances[0]!, { 'node-key': { id: 'cluster/node-key', publicKey } }).nodeKey, publicKey);
  assert.equal(resolveRefs(instances[0]!, {}).nodeKey, '(publicKey of new node-key)');
});

test('managers get the node profile and workers the worker profile; the template defaults to the narrower one', () => {
  const c = config({ nodes: { managers: 3, workers: 2, image: { id: 'ami-0123456789abcdef0' } } });
  const desired = buildDesiredCluster(c, facts);
  assert.deepEqual(
    desired.flatMap((d) => (d.kind === 'instance' ? [[d.name, d.instanceProfile]] : [])),
    [
      ['manager-1', ref('node-profile', 'arn')],
      ['manager-2', ref('node-profile', 'arn')],
      ['manager-3', ref('node-profile', 'arn')],
      ['worker-1', ref('worker-profile', 'arn')],
      ['worker-2', ref('worker-profile', 'arn')],
    ],
  );
  const template = desired.find((d) => d.kind === 'launch-template');
  assert.deepEqual(template?.kind === 'launch-template' && template.instanceProfile, ref('worker-profile', 'arn'));
  const roles = desired.flatMap((d) => (d.kind === 'iam-role' ? [[d.name, d.roleName, d.policyName]] : []));
  assert.deepEqual(roles, [
    ['node-role', 'futuswarm-prod-node', 'futuswarm-node'],
    ['worker-role', 'futuswarm-prod-worker', 'futuswarm-worker'],
  ]);
  const profiles = desired.flatMap((d) => (d.kind === 'instance-profile' ? [[d.name, d.profileName, d.role]] : []));
  assert.deepEqual(profiles, [
    ['node-profile', 'futuswarm-prod-node', ref('node-role')],
    ['worker-profile', 'futuswarm-prod-worker', ref('worker-role')],
  ]);
  const workerRole = desired.find((d) => d.name === 'worker-role');
  assert.deepEqual(
    workerRole?.kind === 'iam-role' && workerRole.policy,
    buildWorkerPolicy({ region: 'eu-north-1', bucket: `futuswarm-prod-${ACCOUNT}-eu-north-1`, keyArn: ref('key', 'arn') as unknown as string, agentBundleKey: c.agent.bundleKey }),
  );
});

test('a worker started while workers shared the managers\' role gets the worker profile in place', () => {
  const c = config();
  const desired = buildDesiredCluster(c, facts);
  // Before: no worker role or profile, and every instance carries the node profile.
  const observed = observedFrom(desired, ['worker-role', 'worker-profile']);
  for (const r of observed.resources) if (r.kind === 'instance') r.props.instanceProfile = 'arn-node-profile';
  observed.resources.find((r) => r.name === 'node-template')!.props.instanceProfile = 'arn-node-profile';
  const plan = planBootstrap(c, facts, observed);
  assert.deepEqual(
    plan.steps.filter((s) => s.action !== 'keep').map((s) => [s.action, s.name, s.changes ?? []]),
    [
      ['create', 'worker-role', []],
      ['create', 'worker-profile', []],
      ['update', 'node-template', ['instanceProfile: arn-node-profile → (arn of new worker-profile)']],
      ['update', 'worker-1', ['instanceProfile: arn-node-profile → (arn of new worker-profile)']],
      ['update', 'state', ['content differs']],
    ],
  );
  assert.equal(plan.steps.find((s) => s.name === 'manager-1')!.action, 'keep');
  assert.deepEqual(plan.steps.find((s) => s.name === 'worker-1')!.drift, undefined);
});

test('a firewall rule added by hand is found and revoked by the update', () => {
  const c = config();
  const observed = observedFrom(buildDesiredCluster(c, facts));
  const rules = observed.resources.find((r) => r.name === 'sg-nodes-rules')!;
  rules.props.ingress = [...(rules.props.ingress as string[]), 'tcp:22-22:cidr:0.0.0.0/0'];
  const plan = planBootstrap(c, facts, observed);
  const step = plan.steps.find((s) => s.name === 'sg-nodes-rules')!;
  assert.equal(step.action, 'update');
  assert.deepEqual(step.changes, ['ingress differs']);
  assert.deepEqual(
    statusRows(plan).filter((r) => r.status !== 'ok').map((r) => [r.name, r.status]),
    [['sg-nodes-rules', 'changed']],
  );
});

test('drift that bootstrap does not fix in place is reported, not acted on', () => {
  const c = config();
  const observed = observedFrom(buildDesiredCluster(c, facts));
  const worker = observed.resources.find((r) => r.name === 'worker-1')!;
  worker.props.instanceType = 't3.micro';
  worker.state = 'stopped';
  const plan = planBootstrap(c, facts, observed);
  const step = plan.steps.find((s) => s.name === 'worker-1')!;
  assert.equal(step.action, 'keep');
  assert.deepEqual(step.drift, ['instanceType: t3.micro → t3.small', 'state is stopped']);
  assert.equal(plan.noChanges, true);
});

test('a name taken by something that is not ours is a conflict, never adopted', () => {
  const c = config();
  const observed: ObservedCluster = {
    ...empty,
    resources: [{ kind: 'iam-role', name: 'node-role', id: 'futuswarm-prod-node', foreign: 'IAM role futuswarm-prod-node already exists and is not tagged for this cluster', props: {} }],
  };
  const plan = planBootstrap(c, facts, observed);
  const step = plan.steps.find((s) => s.name === 'node-role')!;
  assert.equal(step.action, 'create');
  assert.equal(step.conflict, 'IAM role futuswarm-prod-node already exists and is not tagged for this cluster');
  assert.match(formatPlan(plan), /create iam-role +node-role +\(CONFLICT: IAM role futuswarm-prod-node already exists/);
  assert.deepEqual(plan.extra, []);
});

test('resources of the cluster that the file no longer asks for are listed as extra and left alone', () => {
  const c = config();
  const observed = observedFrom(buildDesiredCluster(c, facts));
  observed.resources.push({ kind: 'instance', name: 'worker-2', id: 'i-old', state: 'running', props: {} });
  const plan = planBootstrap(c, facts, observed);
  assert.deepEqual(plan.extra, [{ kind: 'instance', name: 'worker-2', id: 'i-old' }]);
  assert.equal(plan.noChanges, true);
  assert.deepEqual(statusRows(plan).at(-1), { kind: 'instance', name: 'worker-2', id: 'i-old', state: 'running', status: 'extra', details: ['tagged for this cluster but not in the file'] });
});

test('the cache subnet group that the first cache:create makes is not extra', () => {
  const c = config();
  const observed = observedFrom(buildDesiredCluster(c, facts));
  observed.resources.push({ kind: 'cache-subnet-group', name: 'cache-subnets', id: 'futuswarm-prod', props: {} });
  const plan = planBootstrap(c, facts, observed);
  assert.deepEqual(plan.extra, []);
  assert.ok(statusRows(plan).every((row) => row.status === 'ok'));
});

test('a shared database comes with its master secret first; an existing certificate replaces the request', () => {
  const c = config({ databases: { shared: true }, tls: { certificateArn: 'arn:aws:acm:eu-north-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555' } });
  const desired = buildDesiredCluster(c, facts);
  const names = desired.map((d) => d.name);
  assert.ok(!names.includes('certificate'));
  assert.ok(names.indexOf('db-shared-secret') < names.indexOf('db-shared'));
  assert.deepEqual(dependenciesOf(desired.find((d) => d.name === 'db-shared')!), ['db-subnets', 'sg-db', 'bucket', 'db-shared-secret']);
  const https = desired.find((d) => d.name === 'listener-https');
  assert.equal(https?.kind === 'listener' && https.certificate, c.tls.certificateArn);
});
