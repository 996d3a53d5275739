/**
 * What a cluster should consist of, from its cluster file and a few facts about the account:
 * every resource as data, and the order they can be made in. Pure.
 */
import type { ClusterConfig } from '../config/cluster-file.ts';
import { FutuswarmError } from './errors.ts';
import { NODE_KEY_PENDING, renderCloudInit, type NodeIdentity } from './plan-cloud-init.ts';
import { buildKeyPolicy, buildNodePolicy, buildNodeTrustPolicy, buildWorkerPolicy } from './plan-iam.ts';
import { clusterResourceNames, keyAliasName, NODE_KEY_OBJECT_KEY, resourceTags, SHARED_DB_SECRET_KEY, STATE_OBJECT_KEY, stateBucketName, TAG_NODE_KIND } from './plan-names.ts';
import { buildSecurityGroupRules, SUBNET_NEW_BITS, subnetCidr, type SecurityRule } from './plan-network.ts';
import { type BootstrapFacts, type DesiredResource, isRef, ref, type SecurityRuleSpec } from './plan-resources.ts';
/** Zones used by the cluster: those named in the file, or the first `zones` of the region. */
export function chooseZones(config: ClusterConfig, available: readonly string[]): string[] {
  if (config.network.availabilityZones !== undefined) {
    const unknown = config.network.availabilityZones.filter((z) => !available.includes(z));
    if (unknown.length > 0) {
      throw new FutuswarmError('config', `network.availabilityZones: ${unknown.join(', ')} not available in ${config.region}`, {
        hint: `available zones: ${available.join(', ')}`,
      });
    }
    return [...config.network.availabilityZones];
  }
  const zones = [...available].sort().slice(0, config.network.zones);
  if (zones.length < config.network.zones) {
    throw new FutuswarmError('config', `network.zones: ${config.region} has only ${available.length} availability zones`, {
      hint: `set network.zones to at most ${available.length}`,
    });
  }
  return zones;
}

export function nodeIdentities(config: ClusterConfig): NodeIdentity[] {
  const nodes: NodeIdentity[] = [];
  for (let i = 1; i <= config.nodes.managers; i++) nodes.push({ name: `manager-${i}`, kind: 'manager', swarmInit: i === 1 });
  for (let i = 1; i <= config.nodes.workers; i++) nodes.push({ name: `worker-${i}`, kind: 'worker', swarmInit: false });
  return nodes;
}

/** Every resource the cluster file asks for, in an order where each comes after what it needs. */
export function buildDesiredCluster(config: ClusterConfig, facts: BootstrapFacts): DesiredResource[] {
  const names = clusterResourceNames(config.name);
  const tags = (role: string, extra?: Record<string, string>) => resourceTags(config, role, extra);
  const bucketName = stateBucketName(config, facts.accountId);
  const zones = chooseZones(config, facts.availabilityZones);
  const subnets = zones.map((zone, i) => ({ name: `subnet-${i + 1}`, zone, cidr: subnetCidr(config.network.vpcCidr, SUBNET_NEW_BITS, i) }));
  const subnetRefs = subnets.map((s) => ref(s.name));
  const rules = buildSecurityGroupRules(config);
  const nodes = nodeIdentities(config);
  const managers = nodes.filter((n) => n.kind === 'manager');
  const certificateArn = config.tls.certificateArn;
  const out: DesiredResource[] = [];

  out.push({
    kind: 'kms-key',
    name: 'key',
    tags: tags('key'),
    description: `futuswarm cluster ${config.name}: app secrets and cluster state`,
    policy: buildKeyPolicy({ accountId: facts.accountId, region: config.region, cluster: config.name }),
  });
  out.push({ kind: 'kms-alias', name: 'key-alias', tags: {}, aliasName: keyAliasName(config.name), targetKey: ref('key') });
  out.push({ kind: 's3-bucket', name: 'bucket', tags: tags('bucket'), bucketName, region: config.region, encryptionKey: ref('key', 'arn'), requireTls: config.state.requireTls, oldVersionDays: config.state.oldVersionDays });
  out.push({
    kind: 'agent-bundle',
    name: 'agent-bundle',
    tags: {},
    bucket: ref('bucket'),
    key: config.agent.bundleKey,
    encryptionKey: ref('key', 'arn'),
    contentHash: facts.agentBundle.contentHash,
    files: facts.agentBundle.files,
  });
  out.push({
    kind: 'node-key',
    name: 'node-key',
    tags: {},
    cluster: config.name,
    bucket: ref('bucket'),
    key: NODE_KEY_OBJECT_KEY,
    encryptionKey: ref('key-alias'),
    comment: `futuswarm-node@${config.name}`,
  });
  // Requested early: DNS validation takes a while and only the HTTPS listener waits for it.
  if (certificateArn === undefined) {
    out.push({ kind: 'certificate', name: 'certificate', tags: tags('certificate'), domainName: `*.${config.domain}`, alternativeNames: [config.domain] });
  }
  out.push({ kind: 'vpc', name: 'vpc', tags: tags('vpc'), cidr: config.network.vpcCidr });
  for (const s of subnets) {
    out.push({ kind: 'subnet', name: s.name, tags: tags(s.name), vpc: ref('vpc'), cidr: s.cidr, availabilityZone: s.zone });
  }
  out.push({ kind: 'internet-gateway', name: 'igw', tags: tags('igw'), vpc: ref('vpc') });
  out.push({ kind: 'route-table', name: 'routes', tags: tags('routes'), vpc: ref('vpc'), gateway: ref('igw'), subnets: subnetRefs });
  const groups = [
    ['sg-lb', names.lbSecurityGroup, 'futuswarm load balancer: HTTP and HTTPS from anywhere'],
    ['sg-nodes', names.nodesSecurityGroup, 'futuswarm nodes: proxy from the load balancer, SSH from allowed networks, swarm between nodes'],
    ['sg-db', names.dbSecurityGroup, 'futuswarm databases: PostgreSQL from the nodes'],
    ['sg-cache', names.cacheSecurityGroup, 'futuswarm caches: Redis from the nodes'],
  ] as const;
  for (const [name, groupName, description] of groups) {
    out.push({ kind: 'security-group', name, tags: tags(name), vpc: ref('vpc'), groupName, description });
  }
  const spec = (r: SecurityRule): SecurityRuleSpec => ({ ...r, peer: 'cidr' in r.peer ? r.peer : { group: ref(r.peer.group) } });
  for (const [name] of groups) {
    out.push({ kind: 'security-group-rules', name: `${name}-rules`, tags: {}, group: ref(name), ingress: rules[name].ingress.map(spec), egress: rules[name].egress.map(spec) });
  }
  // The key's ARN is known once the key exists: the reference is resolved like any other.
  const keyArn = ref('key', 'arn') as unknown as string;
  out.push({
    kind: 'iam-role',
    name: 'node-role',
    tags: tags('node-role'),
    roleName: names.nodeRole,
    description: 'futuswarm managers: state bucket, state key, database and cache endpoints',
    trustPolicy: buildNodeTrustPolicy(),
    policyName: names.nodeRolePolicy,
    policy: buildNodePolicy({ cluster: config.name, region: config.region, bucket: bucketName, keyArn }),
  });
  out.push({ kind: 'instance-profile', name: 'node-profile', tags: tags('node-profile'), profileName: names.nodeProfile, role: ref('node-role') });
  out.push({
    kind: 'iam-role',
    name: 'worker-role',
    tags: tags('worker-role'),
    roleName: names.workerRole,
    description: 'futuswarm workers: swarm join token, agent bundle and their own host-key records',
    trustPolicy: buildNodeTrustPolicy(),
    policyName: names.workerRolePolicy,
    policy: buildWorkerPolicy({ region: config.region, bucket: bucketName, keyArn, agentBundleKey: config.agent.bundleKey }),
  });
  out.push({ kind: 'instance-profile', name: 'worker-profile', tags: tags('worker-profile'), profileName: names.workerProfile, role: ref('worker-role') });
  out.push({
    kind: 'launch-template',
    name: 'node-template',
    tags: tags('node-template'),
    templateName: names.launchTemplate,
    imageId: config.nodes.image.id ?? facts.imageId ?? null,
    instanceType: config.nodes.instanceType,
    volumeGb: config.nodes.volumeGb,
    securityGroup: ref('sg-nodes'),
    // Every instance names its profile at launch; an instance started from the template by
    // hand gets the narrower one.
    instanceProfile: ref('worker-profile', 'arn'),
    keyName: config.nodes.sshKeyName ?? null,
  });
  out.push({ kind: 'db-subnet-group', name: 'db-subnets', tags: tags('db-subnets'), groupName: names.dbSubnetGroup, subnets: subnetRefs });
  if (config.databases.shared) {
    out.push({ kind: 'secret-object', name: 'db-shared-secret', tags: {}, bucket: ref('bucket'), key: SHARED_DB_SECRET_KEY, encryptionKey: ref('key', 'arn'), purpose: 'db-master' });
    out.push({
      kind: 'db-instance',
      name: 'db-shared',
      tags: tags('db-shared'),
      after: ['db-shared-secret'],
      instanceId: names.sharedDbInstance,
      engine: 'postgres',
      engineVersion: config.databases.engineVersion,
      instanceClass: config.databases.instanceClass,
      storageGb: config.databases.storageGb,
      backupRetentionDays: config.databases.backupRetentionDays,
      subnetGroup: ref('db-subnets'),
      securityGroup: ref('sg-db'),
      masterSecret: { bucket: ref('bucket'), key: SHARED_DB_SECRET_KEY },
    });
  }
  nodes.forEach((node, i) => {
    const subnet = subnets[i % subnets.length]!;
    const manager = node.kind === 'manager';
    out.push({
      kind: 'instance',
      name: node.name,
      tags: tags(node.name, { [TAG_NODE_KIND]: node.kind }),
      // At first boot nodes install packages (through the routes), read the bucket with the key
      // and install the agent from it, with their role's policy.
      after: ['routes', 'bucket', 'key-alias', manager ? 'node-role' : 'worker-role', 'agent-bundle'],
      node,
      instanceType: manager ? (config.nodes.managerInstanceType ?? config.nodes.instanceType) : config.nodes.instanceType,
      launchTemplate: ref('node-template'),
      subnet: ref(subnet.name),
      instanceProfile: ref(manager ? 'node-profile' : 'worker-profile', 'arn'),
      nodeKey: ref('node-key', 'publicKey'),
      // The key may not exist yet when the plan is made: it goes in at launch.
      userData: renderCloudInit(config, { bucket: bucketName, node, templates: facts.templates, nodePublicKey: NODE_KEY_PENDING }),
    });
  });
  out.push({
    kind: 'target-group',
    name: 'target-group',
    tags: tags('target-group'),
    targetGroupName: names.targetGroup,
    vpc: ref('vpc'),
    port: config.proxy.port,
    healthCheckPath: config.proxy.healthCheckPath,
    healthyHttpCodes: config.proxy.healthyHttpCodes,
    targets: managers.map((m) => ref(m.name)),
  });
  // An internet-facing load balancer needs the VPC's internet gateway.
  out.push({ kind: 'load-balancer', name: 'lb', tags: tags('lb'), after: ['igw'], loadBalancerName: names.loadBalancer, subnets: subnetRefs, securityGroups: [ref('sg-lb')] });
  out.push({ kind: 'listener', name: 'listener-http', tags: tags('listener-http'), loadBalancer: ref('lb', 'arn'), port: 80, certificate: null, targetGroup: null });
  out.push({
    kind: 'listener',
    name: 'listener-https',
    tags: tags('listener-https'),
    loadBalancer: ref('lb', 'arn'),
    port: 443,
    certificate: certificateArn ?? ref('certificate', 'arn'),
    targetGroup: ref('target-group', 'arn'),
  });
  const inState = out.filter((r) => r.kind !== 'kms-alias' && r.kind !== 'security-group-rules' && r.kind !== 'secret-object' && r.kind !== 'agent-bundle' && r.kind !== 'node-key');
  out.push({
    kind: 'state-object',
    name: 'state',
    tags: {},
    bucket: ref('bucket'),
    key: STATE_OBJECT_KEY,
    encryptionKey: ref('key', 'arn'),
    content: {
      version: 1,
      cluster: config.name,
      region: config.region,
      accountId: facts.accountId,
      domain: config.domain,
      bucket: bucketName,
      keyAlias: keyAliasName(config.name),
      loadBalancerDnsName: ref('lb', 'dnsName'),
      resources: Object.fromEntries(inState.map((r) => [r.name, { kind: r.kind, id: ref(r.name) }])),
    },
  });
  return topologicalOrder(out);
}

/** Names a resource refers to (its dependencies), in first-seen order. */
export function dependenciesOf(resource: DesiredResource): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (isRef(v)) {
      if (!found.includes(v.ref)) found.push(v.ref);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  const { name: _n, tags: _t, after, ...rest } = resource;
  walk(rest);
  for (const a of after ?? []) if (!found.includes(a)) found.push(a);
  return found.filter((n) => n !== resource.name);
}

/** Keep the declared order, except that nothing comes before what it depends on. */
function topologicalOrder(resources: DesiredResource[]): DesiredResource[] {
  const byName = new Map(resources.map((r) => [r.name, r]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: DesiredResource[] = [];
  const visit = (r: DesiredResource): void => {
    if (done.has(r.name)) return;
    if (visiting.has(r.name)) throw new FutuswarmError('internal', `dependency cycle through ${r.name}`);
    visiting.add(r.name);
    for (const dep of dependenciesOf(r)) {
      const d = byName.get(dep);
      if (d === undefined) throw new FutuswarmError('internal', `${r.name} depends on unknown resource ${dep}`);
      visit(d);
    }
    visiting.delete(r.name);
    done.add(r.name);
    out.push(r);
  };
  resources.forEach(visit);
  return out;
}
