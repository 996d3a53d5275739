import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { clusterFileJsonSchema, renderClusterFileReference } from '../../src/config/cluster-file-docs.ts';
import { isArmInstanceType, loadClusterFile, parseClusterConfig, renderClusterFileTemplate } from '../../src/config/cluster-file.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { buildAdminPolicy, documentedNodePolicies } from '../../src/core/plan-iam.ts';

const minimal = {
  name: 'prod',
  region: 'eu-north-1',
  domain: 'apps.example.com',
  network: { sshCidrs: ['203.0.113.0/24'] },
  access: { admins: ['alice'], users: { alice: { keys: [] } } },
};

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FutuswarmError, String(e));
    assert.equal(e.code, 'config');
    return (e.details as { issues: string[] }).issues;
  }
  assert.fail('expected a validation error');
}

function writeTemp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'futuswarm-cluster-')), name);
  writeFileSync(path, text);
  return path;
}

test('a minimal file gets every default', () => {
  const c = parseClusterConfig(minimal);
  assert.deepEqual(c.network, { vpcCidr: '10.42.0.0/16', overlayPool: '10.128.0.0/12', zones: 2, sshCidrs: ['203.0.113.0/24'] });
  assert.deepEqual(c.nodes, {
    managers: 1,
    workers: 2,
    appsOnManagers: 'auto',
    instanceType: 't3.small',
    volumeGb: 30,
    image: { owner: '136693071363', name: 'debian-12-amd64-*' },
  });
  assert.deepEqual(c.proxy, { port: 80, healthCheckPath: '/', healthyHttpCodes: '200-499' });
  assert.deepEqual(c.databases, { shared: false, instanceClass: 'db.t4g.micro', engineVersion: '16', storageGb: 20, backupRetentionDays: 7 });
  assert.deepEqual(c.state, { requireTls: true, oldVersionDays: 400 });
  assert.deepEqual(c.tags, {});
});

test('every problem is reported at once, each with its path', () => {
  const issues = issuesOf(() =>
    parseClusterConfig({
      ...minimal,
      name: 'Prod_1',
      network: { sshCidrs: ['0.0.0.0/0', '10.0.0.1/8'], vpcCidr: '10.0.0.0/8' },
      nodes: { managers: 2, instanceType: 'big' },
      tags: { 'futuswarm:x': 'y' },
    }),
  );
  const paths = issues.map((i) => i.split(':')[0]);
  for (const p of ['name', 'network.sshCidrs.1', 'nodes.instanceType', 'tags.futuswarm']) {
    assert.ok(paths.some((x) => x === p || x?.startsWith(p)), `no issue at ${p} in ${JSON.stringify(issues)}`);
  }
});

test('cross-field rules: odd managers, VPC size, zones in the region, SSH not open to the world, admins known', () => {
  const issues = issuesOf(() =>
    parseClusterConfig({
      ...minimal,
      network: { sshCidrs: ['0.0.0.0/0'], vpcCidr: '10.0.0.0/12', availabilityZones: ['eu-west-1a', 'eu-west-1a'] },
      nodes: { managers: 2 },
      access: { admins: ['bob'], users: { alice: { keys: [] } } },
    }),
  );
  assert.deepEqual(issues.sort(), [
    'access.admins.0: "bob" is not in access.users',
    'network.availabilityZones.0: must be a zone of eu-north-1',
    'network.availabilityZones.1: must be a zone of eu-north-1',
    'network.availabilityZones: must not list a zone twice',
    'network.sshCidrs.0: must not be the whole Internet: list the networks your people connect from',
    'network.vpcCidr: must have a prefix between /16 and /23 (its subnets are 4 bits longer, and a load balancer needs /27 or larger)',
    'nodes.managers: must be odd (1, 3, 5 or 7) so the managers keep a majority when one fails',
  ]);
});

test('the overlay address pool never overlaps the VPC or Docker\'s bridges, and the VPC leaves room for a load balancer', () => {
  const network = (n: Record<string, unknown>) => issuesOf(() => parseClusterConfig({ ...minimal, network: { sshCidrs: ['203.0.113.0/24'], ...n } }));
  assert.deepEqual(network({ vpcCidr: '10.0.0.0/16', overlayPool: '10.0.0.0/8' }), [
    'network.overlayPool: must not overlap network.vpcCidr (10.0.0.0/16): containers could not reach the VPC\'s databases and resolver',
  ]);
  assert.deepEqual(network({ vpcCidr: '10.42.0.0/16', overlayPool: '172.20.0.0/16' }), ['network.overlayPool: must not overlap 172.16.0.0/12, where Docker puts docker0 and docker_gwbridge']);
  assert.deepEqual(network({ overlayPool: '100.64.0.0/24' }), ['network.overlayPool: must have a prefix between /8 and /20 (Swarm cuts /24 subnets from it)']);
  assert.deepEqual(network({ vpcCidr: '10.1.2.0/24' }), ['network.vpcCidr: must have a prefix between /16 and /23 (its subnets are 4 bits longer, and a load balancer needs /27 or larger)']);
  const fine = parseClusterConfig({ ...minimal, network: { sshCidrs: ['203.0.113.0/24'], vpcCidr: '10.1.2.0/23', overlayPool: '100.64.0.0/10' } });
  assert.equal(fine.network.overlayPool, '100.64.0.0/10');
});

test('nodes are x86-64: a Graviton type for any node is refused, so managers and workers never differ in architecture', () => {
  for (const t of ['t4g.small', 'm7gd.large', 'c6gn.xlarge', 'x2gd.medium', 'g5g.xlarge', 'a1.medium', 'im4gn.large']) assert.equal(isArmInstanceType(t), true, t);
  for (const t of ['t3.small', 'm7i.large', 'm7i-flex.large', 'g4dn.xlarge', 'c5n.large', 'r6id.large', 'mac2.metal']) assert.equal(isArmInstanceType(t), false, t);
  assert.deepEqual(issuesOf(() => parseClusterConfig({ ...minimal, nodes: { instanceType: 't3.small', managerInstanceType: 't4g.small' } })), [
    'nodes.managerInstanceType: is a Graviton (arm64) type, and nodes run the linux-x64 agent: choose an x86-64 type such as t3.small or m7i.large',
  ]);
});

test('unknown settings are errors, not silently ignored', () => {
  const issues = issuesOf(() => parseClusterConfig({ ...minimal, nodes: { worker: 3 } }));
  assert.deepEqual(issues, ['nodes: unknown key "worker"']);
});

test('the agent bundle key names one object: the workers\' IAM policy would read * as a wildcard', () => {
  assert.deepEqual(issuesOf(() => parseClusterConfig({ ...minimal, agent: { bundleKey: 'dist/*' } })), ['agent.bundleKey: must be an S3 object key without *']);
  assert.equal(parseClusterConfig({ ...minimal, agent: { bundleKey: 'agents/v2.tgz' } }).agent.bundleKey, 'agents/v2.tgz');
});

test('access needs LDAP or a users list', () => {
  const issues = issuesOf(() => parseClusterConfig({ ...minimal, access: { admins: ['alice'] } }));
  assert.deepEqual(issues, ['access: needs `ldap` or `users`: otherwise nobody can log in']);
});

test('cluster:init writes a commented file that validates as written', async () => {
  const text = renderClusterFileTemplate('prod');
  assert.match(text, /^# futuswarm cluster file/);
  const c = parseClusterConfig(parse(text));
  assert.equal(c.name, 'prod');
  assert.equal(c.domain, 'prod.example.com');
  const path = writeTemp('prod.yaml', text);
  assert.deepEqual(await loadClusterFile(path), c);
  assert.throws(() => renderClusterFileTemplate('Bad Name'), (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input');
});

test('loadClusterFile: YAML errors, a missing file and schema errors name the file', async () => {
  await assert.rejects(loadClusterFile(writeTemp('bad.yaml', 'name: [unclosed\n')), (e: unknown) => e instanceof FutuswarmError && e.code === 'config' && /is not valid YAML/.test(e.message));
  await assert.rejects(loadClusterFile('/nonexistent/prod.yaml'), (e: unknown) => e instanceof FutuswarmError && e.code === 'not_found' && /cluster:init/.test(e.hint ?? ''));
  const path = writeTemp('wrong.yaml', 'name: prod\nregion: eu-north-1\n');
  await assert.rejects(loadClusterFile(path), (e: unknown) => {
    assert.ok(e instanceof FutuswarmError);
    assert.ok(e.message.startsWith(`cluster file ${path}:`), e.message);
    assert.deepEqual((e.details as { issues: string[] }).issues.map((i) => i.split(':')[0]), ['domain', 'network', 'access']);
    return true;
  });
});

test('docs/cluster-file.md, its JSON schema and the IAM policies in docs/ are up to date (node scripts/gen-cluster-docs.ts)', () => {
  const docs = new URL('../../docs/', import.meta.url);
  assert.equal(readFileSync(new URL('cluster-file.md', docs), 'utf8'), renderClusterFileReference());
  assert.deepEqual(JSON.parse(readFileSync(new URL('cluster-file.schema.json', docs), 'utf8')), clusterFileJsonSchema());
  assert.deepEqual(JSON.parse(readFileSync(new URL('admin-policy.json', docs), 'utf8')), buildAdminPolicy());
  const nodes = documentedNodePolicies();
  assert.deepEqual(JSON.parse(readFileSync(new URL('manager-policy.json', docs), 'utf8')), nodes.manager);
  assert.deepEqual(JSON.parse(readFileSync(new URL('worker-policy.json', docs), 'utf8')), nodes.worker);
});
