/**
 * The plan engine: the desired cluster (src/core/plan-desired.ts) compared with what exists, as
 * the plan that `admin cluster:bootstrap` prints and applies and the rows `cluster:status`
 * shows. Pure: AWS is observed elsewhere (src/aws/) and handed in as an ObservedCluster.
 */
import type { ClusterConfig } from '../config/cluster-file.ts';
import { ruleKey } from './plan-network.ts';
import { type BootstrapFacts, type BootstrapPlan, type DesiredResource, type ObservedCluster, type ObservedResource, type PlanAction, type PlanStep, type Resolved, resolveRefs, type ResourceIds, type ResourceKind, type SecurityRuleSpec } from './plan-resources.ts';
import { buildDesiredCluster, dependenciesOf } from './plan-desired.ts';
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
