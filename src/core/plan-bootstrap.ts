/**
 * What a cluster should consist of, compared with what exists: the plan that
 * `admin cluster:bootstrap` prints and applies, the rows `cluster:status` shows, and the
 * order `cluster:destroy` removes things in. Pure: AWS is observed elsewhere (src/aws/) and
 * handed in as an ObservedCluster snapshot.
 */
import type { ClusterConfig } from '../config/cluster-file.ts';
import type { BundleFile } from './agent-bundle.ts';
import { FutuswarmError } from './errors.ts';
import { NODE_KEY_PENDING, renderCloudInit, type CloudInitTemplates, type NodeIdentity } from './plan-cloud-init.ts';
import { buildKeyPolicy, buildNodePolicy, buildNodeTrustPolicy, buildWorkerPolicy, type PolicyDocument } from './plan-iam.ts';
import { clusterResourceNames, keyAliasName, NODE_KEY_OBJECT_KEY, resourceTags, SHARED_DB_SECRET_KEY, STATE_OBJECT_KEY, stateBucketName, TAG_NODE_KIND } from './plan-names.ts';
import { buildSecurityGroupRules, ruleKey, SUBNET_NEW_BITS, subnetCidr, type SecurityRule } from './plan-network.ts';

export type ResourceKind =
  | 'kms-key'
  | 'kms-alias'
  | 's3-bucket'
  | 'certificate'
  | 'vpc'
  | 'subnet'
  | 'internet-gateway'
  | 'route-table'
  | 'security-group'
  | 'security-group-rules'
  | 'iam-role'
  | 'instance-profile'
  | 'launch-template'
  | 'db-subnet-group'
  | 'secret-object'
  | 'db-instance'
  | 'instance'
  | 'target-group'
  | 'load-balancer'
  | 'listener'
  | 'state-object'
  | 'agent-bundle'
  | 'node-key'
  | 'cache-subnet-group';

/** A reference to another resource of the plan by logical name; resolved to its id (or arn…) when known. */
export interface Ref {
  ref: string;
  attr?: 'id' | 'arn' | 'dnsName' | 'publicKey';
}

export function ref(name: string, attr?: Ref['attr']): Ref {
  return attr === undefined ? { ref: name } : { ref: name, attr };
}

function isRef(v: unknown): v is Ref {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Ref).ref === 'string' && Object.keys(v).every((k) => k === 'ref' || k === 'attr');
}

/** Physical identity of a resource: its id and whatever else others refer to. */
export interface ResourceIds {
  id: string;
  arn?: string;
  dnsName?: string;
  /** The node key's public half, which every node's agent config carries. */
  publicKey?: string;
}

interface Base {
  /** Logical name, unique in the cluster; also the `futuswarm:role` tag. */
  name: string;
  tags: Record<string, string>;
  /** Resources that must exist first besides those referenced (e.g. the bucket a node reads at boot). */
  after?: string[];
}

export interface SecurityRuleSpec extends Omit<SecurityRule, 'peer'> {
  peer: { cidr: string } | { group: Ref };
}

export type DesiredResource =
  | (Base & { kind: 'kms-key'; description: string; policy: PolicyDocument })
  | (Base & { kind: 'kms-alias'; aliasName: string; targetKey: Ref })
  | (Base & { kind: 's3-bucket'; bucketName: string; region: string; encryptionKey: Ref; requireTls: boolean; oldVersionDays: number })
  | (Base & { kind: 'certificate'; domainName: string; alternativeNames: string[] })
  | (Base & { kind: 'vpc'; cidr: string })
  | (Base & { kind: 'subnet'; vpc: Ref; cidr: string; availabilityZone: string })
  | (Base & { kind: 'internet-gateway'; vpc: Ref })
  | (Base & { kind: 'route-table'; vpc: Ref; gateway: Ref; subnets: Ref[] })
  | (Base & { kind: 'security-group'; vpc: Ref; groupName: string; description: string })
  | (Base & { kind: 'security-group-rules'; group: Ref; ingress: SecurityRuleSpec[]; egress: SecurityRuleSpec[] })
  | (Base & { kind: 'iam-role'; roleName: string; description: string; trustPolicy: PolicyDocument; policyName: string; policy: unknown })
  | (Base & { kind: 'instance-profile'; profileName: string; role: Ref })
  | (Base & {
      kind: 'launch-template';
      templateName: string;
      /** null: the template exists and keeps the image it was made with. */
      imageId: string | null;
      instanceType: string;
      volumeGb: number;
      securityGroup: Ref;
      instanceProfile: Ref;
      keyName: string | null;
    })
  | (Base & { kind: 'db-subnet-group'; groupName: string; subnets: Ref[] })
  | (Base & { kind: 'secret-object'; bucket: Ref; key: string; encryptionKey: Ref; purpose: 'db-master' })
  | (Base & {
      kind: 'db-instance';
      instanceId: string;
      engine: 'postgres';
      engineVersion: string;
      instanceClass: string;
      storageGb: number;
      backupRetentionDays: number;
      subnetGroup: Ref;
      securityGroup: Ref;
      masterSecret: { bucket: Ref; key: string };
    })
  | (Base & {
      kind: 'instance';
      node: NodeIdentity;
      instanceType: string;
      launchTemplate: Ref;
      subnet: Ref;
      /** Its own, not the template's: managers and workers get different roles. */
      instanceProfile: Ref;
      /** The node key's public half: in place of NODE_KEY_PENDING in `userData` (withNodeKey) at launch. */
      nodeKey: Ref;
      userData: string;
    })
  | (Base & { kind: 'target-group'; targetGroupName: string; vpc: Ref; port: number; healthCheckPath: string; healthyHttpCodes: string; targets: Ref[] })
  | (Base & { kind: 'load-balancer'; loadBalancerName: string; subnets: Ref[]; securityGroups: Ref[] })
  | (Base & { kind: 'listener'; loadBalancer: Ref; port: 80 | 443; certificate: Ref | string | null; targetGroup: Ref | null })
  | (Base & { kind: 'state-object'; bucket: Ref; key: string; encryptionKey: Ref; content: unknown })
  | (Base & {
      kind: 'agent-bundle';
      bucket: Ref;
      key: string;
      encryptionKey: Ref;
      /** null: the bundle cannot be built on this machine (status only checks that it exists). */
      contentHash: string | null;
      files: BundleFile[];
    })
  /**
   * The SSH key managers use to reach other nodes (app:exec), made once and sealed with the
   * cluster key by the agent's own code (AppState.ensureNodeKey), under the alias the agents use.
   */
  | (Base & { kind: 'node-key'; cluster: string; bucket: Ref; key: string; encryptionKey: Ref; comment: string });

export type DesiredOf<K extends ResourceKind> = Extract<DesiredResource, { kind: K }>;

/** A desired resource with every reference replaced by the id (or arn…) it points to. */
export type Resolved<T> = T extends Ref ? string : T extends readonly (infer U)[] ? Resolved<U>[] : T extends object ? { [K in keyof T]: Resolved<T[K]> } : T;
export type ResolvedOf<K extends ResourceKind> = Resolved<DesiredOf<K>>;

/**
 * Something that exists, found by its tags (or, for resources with unique names, by name and
 * then checked for our tags). `props` holds the comparable fields for that kind, in the shape
 * `comparableFields` produces.
 */
export interface ObservedResource {
  kind: ResourceKind;
  name: string;
  id: string;
  arn?: string;
  dnsName?: string;
  /** Of the node key: read from the sealed object's plaintext meta. */
  publicKey?: string;
  /** Lifecycle state as AWS reports it: running, available, ISSUED, PENDING_VALIDATION … */
  state?: string;
  /** Exists under our name but is not tagged for this cluster: never touched, never adopted. */
  foreign?: string;
  props: Record<string, unknown>;
}

/** What observation found, plus facts about the account that the plan depends on. */
export interface ObservedCluster {
  accountId: string;
  availabilityZones: string[];
  /** The image new nodes start from; absent when the launch template exists and keeps its own. */
  imageId?: string;
  resources: ObservedResource[];
  /** App databases and caches of this cluster (db:create / cache:create); destroy refuses while any exist. */
  /** `deleting`: on its way out (db:destroy / cache:destroy ran), but still holding its subnets. */
  appResources: { kind: 'db-instance' | 'cache'; app: string; id: string; deleting: boolean }[];
}

export type PlanAction = 'create' | 'update' | 'keep';

export interface PlanStep {
  kind: ResourceKind;
  name: string;
  action: PlanAction;
  reason: string;
  dependsOn: string[];
  id?: string;
  /** What an update changes. */
  changes?: string[];
  /** Differences bootstrap does not fix in place (shown by cluster:status). */
  drift?: string[];
  /** Set when the name is taken by something that is not ours: applying stops here. */
  conflict?: string;
}

export interface BootstrapPlan {
  cluster: string;
  region: string;
  accountId: string;
  steps: PlanStep[];
  /** Tagged for this cluster but not in the file (e.g. a worker after scaling down): left alone. */
  extra: { kind: ResourceKind; name: string; id: string }[];
  /** True when applying would change nothing. */
  noChanges: boolean;
  desired: DesiredResource[];
  observed: ObservedCluster;
}

export interface BootstrapFacts {
  accountId: string;
  availabilityZones: string[];
  imageId?: string;
  templates: CloudInitTemplates;
  /** The agent bundle every node installs at boot (src/core/agent-bundle.ts). */
  agentBundle: { contentHash: string | null; files: BundleFile[] };
}

// ───────────────────────────── desired state ─────────────────────────────

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

// ───────────────────────────── references ─────────────────────────────

export type IdMap = Readonly<Record<string, ResourceIds>>;

/** The placeholder of a value that exists only once `name` has been created. */
export function pendingValue(name: string, attr: Ref['attr'] = 'id'): string {
  return `(${attr} of new ${name})`;
}

/** Replace references by the ids they point to; unknown ones by a readable placeholder. */
export function resolveRefs<T>(value: T, ids: IdMap): Resolved<T> {
  const walk = (v: unknown): unknown => {
    if (isRef(v)) {
      const known = ids[v.ref];
      const attr = v.attr ?? 'id';
      return known?.[attr] ?? pendingValue(v.ref, attr);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as Resolved<T>;
}

/** Like resolveRefs, but every reference must be known (at apply time). */
export function resolveAll<T>(value: T, ids: IdMap, what: string): Resolved<T> {
  const missing: string[] = [];
  const walk = (v: unknown): unknown => {
    if (isRef(v)) {
      const got = ids[v.ref]?.[v.attr ?? 'id'];
      if (got === undefined) missing.push(`${v.ref}.${v.attr ?? 'id'}`);
      return got;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(value) as Resolved<T>;
  if (missing.length > 0) throw new FutuswarmError('internal', `${what} needs ${missing.join(', ')}, which is not known yet`);
  return out;
}

// ───────────────────────────── comparison ─────────────────────────────

/**
 * What can be compared between the file and AWS, for one resource: `replace` fields can only
 * change by replacing the resource (reported as drift), `update` fields are changed in place.
 * Adapters observe `props` in exactly this shape.
 */
export function comparableFields(resolved: Resolved<DesiredResource>): { replace: Record<string, unknown>; update: Record<string, unknown> } {
  const sorted = (xs: readonly string[]) => [...xs].sort();
  const ruleKeys = (rules: Resolved<SecurityRuleSpec>[]) =>
    sorted(rules.map((r) => ruleKey(r)));
  switch (resolved.kind) {
    case 'kms-key':
      return { replace: {}, update: { rotation: true, policy: resolved.policy } };
    case 'kms-alias':
      return { replace: {}, update: { targetKey: resolved.targetKey } };
    case 's3-bucket':
      return {
        replace: {},
        update: { versioning: 'Enabled', encryptionKey: resolved.encryptionKey, publicAccessBlocked: true, tlsOnlyPolicy: resolved.requireTls, oldVersionDays: resolved.oldVersionDays },
      };
    case 'certificate':
      return { replace: { domainName: resolved.domainName, alternativeNames: sorted(resolved.alternativeNames) }, update: {} };
    case 'vpc':
      return { replace: { cidr: resolved.cidr }, update: {} };
    case 'subnet':
      return { replace: { vpc: resolved.vpc, cidr: resolved.cidr, availabilityZone: resolved.availabilityZone }, update: { mapPublicIpOnLaunch: true } };
    case 'internet-gateway':
      return { replace: {}, update: { attachedVpc: resolved.vpc } };
    case 'route-table':
      return { replace: { vpc: resolved.vpc }, update: { defaultRoute: resolved.gateway, subnets: sorted(resolved.subnets) } };
    case 'security-group':
      return { replace: { vpc: resolved.vpc, groupName: resolved.groupName }, update: {} };
    case 'security-group-rules':
      return { replace: {}, update: { ingress: ruleKeys(resolved.ingress), egress: ruleKeys(resolved.egress) } };
    case 'iam-role':
      return { replace: {}, update: { trustPolicy: resolved.trustPolicy, policy: resolved.policy } };
    case 'instance-profile':
      return { replace: {}, update: { roles: [resolved.role] } };
    case 'launch-template':
      return {
        replace: {},
        update: {
          ...(resolved.imageId === null ? {} : { imageId: resolved.imageId }),
          instanceType: resolved.instanceType,
          volumeGb: resolved.volumeGb,
          securityGroups: [resolved.securityGroup],
          instanceProfile: resolved.instanceProfile,
          keyName: resolved.keyName,
          httpTokens: 'required',
        },
      };
    case 'db-subnet-group':
      return { replace: {}, update: { subnets: sorted(resolved.subnets) } };
    case 'secret-object':
      return { replace: {}, update: {} };
    case 'db-instance':
      return {
        replace: {
          engine: resolved.engine,
          instanceClass: resolved.instanceClass,
          storageGb: resolved.storageGb,
          storageEncrypted: true,
          subnetGroup: resolved.subnetGroup,
          securityGroups: [resolved.securityGroup],
        },
        update: {},
      };
    case 'instance':
      // A worker started before workers had a role of their own gets it in place.
      return { replace: { instanceType: resolved.instanceType, subnet: resolved.subnet }, update: { instanceProfile: resolved.instanceProfile } };
    case 'target-group':
      return {
        replace: { vpc: resolved.vpc, port: resolved.port },
        update: { healthCheckPath: resolved.healthCheckPath, healthyHttpCodes: resolved.healthyHttpCodes, targets: sorted(resolved.targets) },
      };
    case 'load-balancer':
      return {
        replace: { scheme: 'internet-facing' },
        // Requests with malformed headers are dropped at the edge (request smuggling).
        update: { subnets: sorted(resolved.subnets), securityGroups: sorted(resolved.securityGroups), dropInvalidHeaders: true },
      };
    case 'listener':
      return {
        replace: { protocol: resolved.port === 443 ? 'HTTPS' : 'HTTP' },
        update: {
          certificate: resolved.certificate,
          defaultAction: resolved.targetGroup === null ? 'redirect-https' : { forward: resolved.targetGroup },
        },
      };
    case 'state-object':
      return { replace: {}, update: { content: resolved.content } };
    case 'agent-bundle':
      return { replace: {}, update: resolved.contentHash === null ? {} : { contentHash: resolved.contentHash } };
    // Made once and never replaced: nodes that run carry its public half.
    case 'node-key':
      return { replace: {}, update: {} };
  }
}

function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) {
      const items = x.map(norm);
      return items.every((i) => typeof i === 'string') ? [...(items as string[])].sort() : items;
    }
    if (typeof x === 'object' && x !== null) {
      return Object.fromEntries(Object.keys(x).sort().map((k) => [k, norm((x as Record<string, unknown>)[k])]));
    }
    return x;
  };
  return JSON.stringify(norm(v) ?? null);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

function differences(want: Record<string, unknown>, have: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [field, value] of Object.entries(want)) {
    if (canonical(value) === canonical(have[field])) continue;
    if (typeof value === 'object' && value !== null && typeof have[field] === 'object') out.push(`${field} differs`);
    else out.push(`${field}: ${show(have[field])} → ${show(value)}`);
  }
  return out;
}

// ───────────────────────────── the plan ─────────────────────────────

export function idsOf(o: ObservedResource): ResourceIds {
  return {
    id: o.id,
    ...(o.arn === undefined ? {} : { arn: o.arn }),
    ...(o.dnsName === undefined ? {} : { dnsName: o.dnsName }),
    ...(o.publicKey === undefined ? {} : { publicKey: o.publicKey }),
  };
}

const CREATE_REASON: Partial<Record<ResourceKind, string>> = {
  'security-group-rules': 'rules are missing',
  'state-object': 'cluster state not written yet',
  'agent-bundle': 'not uploaded yet',
  'node-key': 'not generated yet',
};

/** Made by app commands when first needed (cache:create), not by bootstrap; destroy removes them. */
const ON_DEMAND_KINDS: ReadonlySet<ResourceKind> = new Set(['cache-subnet-group']);

/** Compare the file with what exists. */
export function planBootstrap(config: ClusterConfig, facts: BootstrapFacts, observed: ObservedCluster): BootstrapPlan {
  const desired = buildDesiredCluster(config, facts);
  const byName = new Map<string, ObservedResource>();
  const extra: BootstrapPlan['extra'] = [];
  for (const o of observed.resources) {
    if (byName.has(o.name) || !desired.some((d) => d.name === o.name && d.kind === o.kind)) {
      if (o.foreign === undefined && !ON_DEMAND_KINDS.has(o.kind)) extra.push({ kind: o.kind, name: o.name, id: o.id });
    } else byName.set(o.name, o);
  }
  const ids: Record<string, ResourceIds> = {};
  const steps: PlanStep[] = [];
  for (const d of desired) {
    const o = byName.get(d.name);
    const dependsOn = dependenciesOf(d);
    if (o === undefined || o.foreign !== undefined) {
      const step: PlanStep = { kind: d.kind, name: d.name, action: 'create', reason: CREATE_REASON[d.kind] ?? 'does not exist', dependsOn };
      if (o?.foreign !== undefined) {
        step.reason = 'the name is taken by a resource that is not part of this cluster';
        step.conflict = o.foreign;
      }
      steps.push(step);
      continue;
    }
    ids[d.name] = idsOf(o);
    const want = comparableFields(resolveRefs(d, ids));
    const changes = differences(want.update, o.props);
    const drift = differences(want.replace, o.props);
    if (o.state !== undefined && STOPPED_STATES.has(o.state)) drift.push(`state is ${o.state}`);
    const step: PlanStep = { kind: d.kind, name: d.name, action: changes.length > 0 ? 'update' : 'keep', reason: changes.length > 0 ? changes.join('; ') : 'exists', dependsOn, id: o.id };
    if (changes.length > 0) step.changes = changes;
    if (drift.length > 0) step.drift = drift;
    steps.push(step);
  }
  return {
    cluster: config.name,
    region: config.region,
    accountId: observed.accountId,
    steps,
    extra,
    noChanges: steps.every((s) => s.action === 'keep'),
    desired,
    observed,
  };
}

const STOPPED_STATES = new Set(['stopped', 'stopping', 'PENDING_VALIDATION']);

/** The plan without the full desired and observed state: what `--plan --json` prints. */
export function planSummary(plan: BootstrapPlan): Omit<BootstrapPlan, 'desired' | 'observed'> {
  const { desired: _desired, observed: _observed, ...summary } = plan;
  return summary;
}

/** The plan as people read it: one line per step that does something, then a summary. */
export function formatPlan(plan: BootstrapPlan, options: { all?: boolean } = {}): string {
  const symbol: Record<PlanAction, string> = { create: '+', update: '~', keep: ' ' };
  const lines: string[] = [];
  for (const s of plan.steps) {
    if (s.action === 'keep' && !options.all) continue;
    const what = `${symbol[s.action]} ${s.action.padEnd(6)} ${s.kind.padEnd(20)} ${s.name}`;
    const detail = s.conflict !== undefined ? `CONFLICT: ${s.conflict}` : s.action === 'keep' ? (s.id ?? '') : s.reason;
    lines.push(`${what}${detail ? `  (${detail})` : ''}`);
  }
  for (const e of plan.extra) lines.push(`? extra  ${e.kind.padEnd(20)} ${e.name}  (${e.id}: tagged for this cluster but not in the file; left alone)`);
  const count = (a: PlanAction) => plan.steps.filter((s) => s.action === a).length;
  lines.push(plan.noChanges ? `no changes: all ${plan.steps.length} resources exist` : `${count('create')} to create, ${count('update')} to update, ${count('keep')} unchanged`);
  return lines.join('\n');
}

// ───────────────────────────── status ─────────────────────────────

export interface StatusRow {
  kind: ResourceKind;
  name: string;
  id: string | null;
  state: string;
  /** `ok`, `missing`, `changed` (bootstrap would update it), `drift` (differs, not fixed in place), `extra`, `conflict`. */
  status: 'ok' | 'missing' | 'changed' | 'drift' | 'extra' | 'conflict';
  details: string[];
}

export function statusRows(plan: BootstrapPlan): StatusRow[] {
  const observed = new Map(plan.observed.resources.map((o) => [`${o.kind}/${o.name}/${o.id}`, o]));
  const rows: StatusRow[] = plan.steps.map((s) => {
    const o = s.id === undefined ? undefined : observed.get(`${s.kind}/${s.name}/${s.id}`);
    const state = o?.state ?? (s.id === undefined ? 'absent' : 'present');
    if (s.conflict !== undefined) return { kind: s.kind, name: s.name, id: null, state: 'absent', status: 'conflict', details: [s.conflict] };
    if (s.action === 'create') return { kind: s.kind, name: s.name, id: null, state: 'absent', status: 'missing', details: [] };
    if (s.action === 'update') return { kind: s.kind, name: s.name, id: s.id ?? null, state, status: 'changed', details: [...(s.changes ?? []), ...(s.drift ?? [])] };
    if (s.drift) return { kind: s.kind, name: s.name, id: s.id ?? null, state, status: 'drift', details: s.drift };
    return { kind: s.kind, name: s.name, id: s.id ?? null, state, status: 'ok', details: [] };
  });
  for (const e of plan.extra) {
    const o = observed.get(`${e.kind}/${e.name}/${e.id}`);
    rows.push({ kind: e.kind, name: e.name, id: e.id, state: o?.state ?? 'present', status: 'extra', details: ['tagged for this cluster but not in the file'] });
  }
  return rows;
}

// ───────────────────────────── destroy ─────────────────────────────

/** Kinds in the order destroy removes them: first what depends on others. */
export const DESTROY_ORDER: readonly ResourceKind[] = [
  'state-object',
  'agent-bundle',
  'listener',
  'load-balancer',
  'target-group',
  'certificate',
  'instance',
  // Only once no node can use it any more; a cluster built again gets a new one.
  'node-key',
  'launch-template',
  'db-instance',
  'db-subnet-group',
  'cache-subnet-group',
  'instance-profile',
  'iam-role',
  'security-group-rules',
  'security-group',
  'route-table',
  'internet-gateway',
  'subnet',
  'vpc',
  'secret-object',
  'kms-alias',
  's3-bucket',
  'kms-key',
];

/** Kept unless the admin asks to delete data: the bucket holds app secrets, the key decrypts them. */
const DATA_KINDS: ReadonlySet<ResourceKind> = new Set(['s3-bucket', 'kms-key', 'kms-alias', 'secret-object']);

export interface DestroyStep {
  kind: ResourceKind;
  name: string;
  id: string;
  action: 'delete' | 'keep';
  reason: string;
}

export function planDestroy(observed: ObservedCluster, options: { deleteData: boolean }): DestroyStep[] {
  const ours = observed.resources.filter((o) => o.foreign === undefined);
  const rank = (k: ResourceKind) => DESTROY_ORDER.indexOf(k);
  return [...ours]
    .sort((a, b) => rank(a.kind) - rank(b.kind) || a.name.localeCompare(b.name))
    .map((o) => {
      const keep = DATA_KINDS.has(o.kind) && !options.deleteData;
      return {
        kind: o.kind,
        name: o.name,
        id: o.id,
        action: keep ? 'keep' : 'delete',
        reason: keep ? 'holds app data (cluster:destroy --delete-data removes it)' : 'created by bootstrap',
      };
    });
}
