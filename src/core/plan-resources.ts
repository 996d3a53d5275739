/**
 * The vocabulary of a cluster plan: the kinds of AWS resource futuswarm manages, what one should
 * look like (DesiredResource, with references to others by name), what was observed of it,
 * and how references resolve to IDs once the resources they name exist. Pure.
 */
import type { BundleFile } from './agent-bundle.ts';
import { FutuswarmError } from './errors.ts';
import { type CloudInitTemplates, type NodeIdentity } from './plan-cloud-init.ts';
import { type PolicyDocument } from './plan-iam.ts';
import { type SecurityRule } from './plan-network.ts';

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

export function isRef(v: unknown): v is Ref {
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
