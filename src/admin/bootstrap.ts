/**
 * Building, inspecting and removing a cluster on AWS. The functions behind
 * `futuswarm admin cluster:*`; each takes the validated cluster file and reports progress
 * through `onProgress`, and returns plain data for the CLI to print (or print as JSON):
 *
 *   planClusterBootstrap(config, options?)   → BootstrapPlan    what would be created/updated; touches nothing
 *   applyBootstrap(plan, options?)           → BootstrapResult  apply a plan in dependency order
 *   bootstrapCluster(config, options?)       → BootstrapResult  plan, then apply (re-running creates nothing)
 *   clusterStatus(config, options?)          → ClusterStatus    every resource, its id, state and drift
 *   destroyCluster(config, options)          → DestroyResult    remove what bootstrap made (destroy.ts)
 *   loadCloudInitTemplates()                 → CloudInitTemplates
 *   observeCluster(config)                   → ObservedCluster  what exists, by tags (used by all of the above)
 *
 * For printing: formatPlan and planSummary (for --json) in src/core/plan-bootstrap.ts,
 * formatStatus below, formatDestroy in destroy.ts. The cluster file: loadClusterFile and
 * renderClusterFileTemplate (for `cluster:init`) in src/config/cluster-file.ts.
 * Databases and caches for apps: src/aws/rds.ts, src/aws/elasticache.ts and
 * src/aws/postgres-provision.ts.
 *
 * Apply is idempotent and resumable: every run observes what exists first, so an interrupted
 * run continues where it stopped when run again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterConfig } from '../config/cluster-file.ts';
import { FutuswarmError } from '../core/errors.ts';
import { type CloudInitTemplates, withNodeKey } from '../core/plan-cloud-init.ts';
import { type BootstrapFacts, type BootstrapPlan, type DesiredOf, type DesiredResource, type ObservedCluster, type ObservedResource, type PlanStep, resolveAll, type ResourceIds } from '../core/plan-resources.ts';
import { idsOf, planBootstrap, type StatusRow, statusRows } from '../core/plan-bootstrap.ts';
import { STATE_OBJECT_KEY } from '../core/plan-names.ts';
import * as acm from '../aws/acm.ts';
import * as ec2 from '../aws/ec2.ts';
import * as securityGroups from '../aws/ec2-security-groups.ts';
import * as instances from '../aws/ec2-instances.ts';
import * as elb from '../aws/elbv2.ts';
import * as iam from '../aws/iam.ts';
import * as kms from '../aws/kms-key.ts';
import { ldapBindPasswordMissing } from '../aws/ldap-password.ts';
import { ensureNodeKey } from '../aws/node-key.ts';
import { observeCluster } from '../aws/observe.ts';
import * as rds from '../aws/rds.ts';
import * as s3 from '../aws/s3-bucket.ts';
import { type WaitOptions } from '../aws/wait.ts';
import { agentBundleHash, agentBundleSources, uploadAgentBundle } from '../aws/agent-bundle.ts';

export { observeCluster };

export interface ProgressOptions {
  onProgress?: (message: string) => void;
}

export interface ApplyOptions extends ProgressOptions {
  /** Polling of slow resources (instances, load balancer, deletions). */
  wait?: WaitOptions;
  /** How long the HTTPS listener waits for the certificate's DNS validation; default 5 minutes. */
  certificateTimeoutMs?: number;
}

// ───────────────────────────── templates ─────────────────────────────

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'templates', 'cloud-init-manager.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new FutuswarmError('internal', 'cannot find the templates/ directory of futuswarm');
    dir = parent;
  }
}

export function loadCloudInitTemplates(): CloudInitTemplates {
  const dir = join(packageRoot(), 'templates');
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    manager: read('cloud-init-manager.yaml'),
    worker: read('cloud-init-worker.yaml'),
    swarmJoin: read('swarm-join.sh'),
    sshdConfig: read('sshd_config.futuswarm'),
    agentUnit: read('futuswarm-agent.service'),
    installAgent: read('install-agent.sh'),
    nodeRegister: read('node-register.sh'),
  };
}

// ───────────────────────────── plan ─────────────────────────────

export interface PlanOptions extends ProgressOptions {
  /**
   * `optional`: when the agent bundle cannot be built on this machine (no linux-x64 Node), plan
   * anyway and only check that the uploaded one exists (for cluster:status). Default `required`.
   */
  agentBundle?: 'required' | 'optional';
}

/** The agent bundle's files on this machine and their content hash. */
export function describeAgentBundle(config: ClusterConfig, mode: 'required' | 'optional' = 'required'): BootstrapFacts['agentBundle'] {
  try {
    const files = agentBundleSources(config, packageRoot());
    return { files, contentHash: agentBundleHash(files) };
  } catch (e) {
    if (mode === 'optional' && e instanceof FutuswarmError && e.code === 'config') return { files: [], contentHash: null };
    throw e;
  }
}

export async function planClusterBootstrap(config: ClusterConfig, options: PlanOptions = {}): Promise<BootstrapPlan> {
  const agentBundle = describeAgentBundle(config, options.agentBundle);
  options.onProgress?.(`looking up cluster ${config.name} in ${config.region}`);
  const observed = await observeCluster(config);
  return planBootstrap(
    config,
    { accountId: observed.accountId, availabilityZones: observed.availabilityZones, ...(observed.imageId === undefined ? {} : { imageId: observed.imageId }), templates: loadCloudInitTemplates(), agentBundle },
    observed,
  );
}

// ───────────────────────────── apply ─────────────────────────────

export interface BootstrapResult {
  cluster: string;
  region: string;
  noChanges: boolean;
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Physical ids by logical name, as written to the state object. */
  ids: Record<string, ResourceIds>;
  stateObject: string;
  loadBalancerDnsName: string | null;
}

interface ApplyContext {
  region: string;
  wait: WaitOptions;
  certificateTimeoutMs: number;
  onProgress: (message: string) => void;
  ids: Record<string, ResourceIds>;
  observed: Map<string, ObservedResource>;
}

function describeStep(step: PlanStep, d: DesiredResource): string {
  const label = `${step.kind} ${step.name}`;
  if (step.action === 'update') return `updating ${label}: ${(step.changes ?? []).join('; ')}`;
  switch (d.kind) {
    case 'vpc':
      return `creating ${label} (${d.cidr})`;
    case 'subnet':
      return `creating ${label} (${d.cidr} in ${d.availabilityZone})`;
    case 'instance':
      return `creating ${label} (${d.instanceType}; waiting until it runs)`;
    case 'certificate':
      return `requesting ${label} for ${d.domainName}`;
    case 'agent-bundle':
      return `uploading ${label} to s3://…/${d.key}`;
    case 'node-key':
      return `generating ${label} (sealed with the cluster key at s3://…/${d.key})`;
    default:
      return `creating ${label}`;
  }
}

async function applyStep(ctx: ApplyContext, step: PlanStep, d: DesiredResource): Promise<ResourceIds | void> {
  const create = step.action === 'create';
  const o = ctx.observed.get(step.name);
  const props = (o?.props ?? {}) as Record<string, never>;
  const id = o?.id ?? '';
  const spec = resolveAll(d, ctx.ids, `${d.kind} ${d.name}`);
  const c = { region: ctx.region, wait: ctx.wait };
  switch (spec.kind) {
    case 'kms-key':
      return create ? kms.createKey(c, spec) : kms.updateKey(c, id, spec, props);
    case 'kms-alias':
      return create ? kms.createAlias(c, spec) : kms.updateAlias(c, spec);
    case 's3-bucket':
      return create ? s3.createBucket(c, spec) : s3.configureBucket(c, spec);
    // Kinds without settings that change in place are only ever created.
    case 'certificate':
      return create ? acm.requestCertificate(c, spec, ctx.onProgress) : undefined;
    case 'vpc':
      return create ? ec2.createVpc(c, spec) : undefined;
    case 'subnet':
      return create ? ec2.createSubnet(c, spec) : ec2.updateSubnet(c, id);
    case 'internet-gateway':
      return create ? ec2.createInternetGateway(c, spec) : ec2.attachInternetGateway(c, id, spec.vpc, props.attachedVpc ?? null);
    case 'route-table':
      return create ? ec2.createRouteTable(c, spec) : ec2.updateRouteTable(c, id, spec, { defaultRoute: props.defaultRoute ?? null, subnets: props.subnets ?? [], associations: props.associations ?? {} });
    case 'security-group':
      return create ? securityGroups.createSecurityGroup(c, spec) : undefined;
    case 'security-group-rules':
      return securityGroups.syncSecurityGroupRules(c, spec);
    case 'iam-role':
      return create ? iam.createRole(c, spec) : iam.updateRole(c, spec, { trustPolicy: props.trustPolicy });
    case 'instance-profile':
      return create ? iam.createInstanceProfile(c, spec) : iam.updateInstanceProfile(c, spec, props.roles ?? []);
    case 'launch-template':
      return create ? instances.createLaunchTemplate(c, spec) : instances.updateLaunchTemplate(c, id, spec, String(props.imageId ?? ''));
    case 'db-subnet-group':
      return create ? rds.createDbSubnetGroup(c, spec) : rds.updateDbSubnetGroup(c, spec);
    case 'secret-object':
      await rds.ensureMasterSecret(ctx.region, { bucket: spec.bucket, key: spec.key, keyArn: spec.encryptionKey });
      return { id: spec.key };
    case 'db-instance':
      return create ? rds.createSharedDbInstance(c, spec, ctx.ids.key?.arn ?? '') : undefined;
    case 'instance':
      // The only setting of a running instance that bootstrap changes is its instance profile.
      return create ? instances.runInstance(c, { ...spec, userData: withNodeKey(spec.userData, spec.nodeKey, spec.name) }) : instances.setInstanceProfile(c, id, spec.instanceProfile);
    case 'target-group':
      return create
        ? elb.createTargetGroup(c, spec)
        : elb.updateTargetGroup(c, id, spec, { targets: props.targets ?? [], healthCheckPath: props.healthCheckPath, healthyHttpCodes: props.healthyHttpCodes });
    case 'load-balancer':
      return create ? elb.createLoadBalancer(c, spec) : elb.updateLoadBalancer(c, id, spec, props);
    case 'listener':
      if (spec.certificate !== null) {
        ctx.onProgress(`checking that certificate ${spec.certificate} is issued`);
        await acm.waitForCertificate(c, spec.certificate, ctx.certificateTimeoutMs);
      }
      return create ? elb.createListener(c, spec) : elb.updateListener(c, id, spec);
    case 'state-object':
      await s3.writeJsonObject(ctx.region, { bucket: spec.bucket, key: spec.key, keyArn: spec.encryptionKey }, spec.content);
      return { id: spec.key };
    case 'agent-bundle':
      return uploadAgentBundle(ctx.region, spec);
    case 'node-key':
      return ensureNodeKey(ctx.region, spec);
  }
}

/**
 * Apply a plan: create and update in dependency order. Stops at the first failure (or name
 * conflict) with an error that says how far it got; what was made stays and is found again by
 * the next run, which continues from there.
 */
export async function applyBootstrap(plan: BootstrapPlan, options: ApplyOptions = {}): Promise<BootstrapResult> {
  const onProgress = options.onProgress ?? (() => {});
  const observed = new Map<string, ObservedResource>();
  for (const step of plan.steps) {
    if (step.id === undefined) continue;
    const o = plan.observed.resources.find((r) => r.kind === step.kind && r.name === step.name && r.id === step.id);
    if (o !== undefined) observed.set(step.name, o);
  }
  const ctx: ApplyContext = {
    region: plan.region,
    wait: options.wait ?? {},
    certificateTimeoutMs: options.certificateTimeoutMs ?? 5 * 60_000,
    onProgress,
    ids: {},
    observed,
  };
  for (const [name, o] of observed) ctx.ids[name] = idsOf(o);
  const desired = new Map(plan.desired.map((d) => [d.name, d]));
  const created: string[] = [];
  const updated: string[] = [];
  const pending = plan.steps.filter((s) => s.action !== 'keep');
  // Neighbouring steps of one kind that do not depend on each other run together (instances boot in parallel).
  const batches: PlanStep[][] = [];
  for (const step of pending) {
    const last = batches[batches.length - 1];
    if (last !== undefined && last[0]!.kind === step.kind && !last.some((s) => step.dependsOn.includes(s.name))) last.push(step);
    else batches.push([step]);
  }
  for (const batch of batches) {
    const results = await Promise.allSettled(
      batch.map(async (step) => {
        const position = `step ${pending.indexOf(step) + 1} of ${pending.length}`;
        if (step.conflict !== undefined) {
          throw new FutuswarmError('conflict', `cluster:bootstrap stopped at ${step.kind} ${step.name} (${position}): ${step.conflict}`, {
            hint: `remove or rename that resource (or tag it futuswarm:cluster=${plan.cluster} if it really is this cluster's), then run the same command again to continue`,
            details: { step: step.name, created, updated },
          });
        }
        onProgress(describeStep(step, desired.get(step.name)!));
        try {
          const ids = await applyStep(ctx, step, desired.get(step.name)!);
          if (ids) ctx.ids[step.name] = { ...ctx.ids[step.name], ...ids };
        } catch (e) {
          const inner = e instanceof FutuswarmError ? e : new FutuswarmError('internal', (e as Error).message, { cause: e });
          throw new FutuswarmError(inner.code, `cluster:bootstrap stopped at ${step.kind} ${step.name} (${position}): ${inner.message}`, {
            hint: `${inner.hint ? `${inner.hint}. ` : ''}What was created so far stays; run the same command again to continue from here.`,
            details: { step: step.name, created, updated, cause: inner.details },
            cause: inner,
          });
        }
      }),
    );
    batch.forEach((step, i) => {
      if (results[i]!.status === 'fulfilled') (step.action === 'create' ? created : updated).push(step.name);
    });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
  const bucket = desired.get('bucket') as DesiredOf<'s3-bucket'>;
  return {
    cluster: plan.cluster,
    region: plan.region,
    noChanges: pending.length === 0,
    created,
    updated,
    unchanged: plan.steps.filter((s) => s.action === 'keep').map((s) => s.name),
    ids: ctx.ids,
    stateObject: `s3://${bucket.bucketName}/${STATE_OBJECT_KEY}`,
    loadBalancerDnsName: ctx.ids.lb?.dnsName ?? null,
  };
}

/** Plan and apply. A second run finds everything and reports `noChanges`. */
export async function bootstrapCluster(config: ClusterConfig, options: ApplyOptions = {}): Promise<BootstrapResult & { plan: BootstrapPlan }> {
  const plan = await planClusterBootstrap(config, options);
  if (plan.noChanges) options.onProgress?.('no changes: the cluster matches the file');
  const result = await applyBootstrap(plan, options);
  return { ...result, plan };
}

// ───────────────────────────── status ─────────────────────────────

export interface ClusterStatus {
  cluster: string;
  region: string;
  accountId: string;
  rows: StatusRow[];
  /** Everything matches the file. */
  ok: boolean;
  loadBalancerDnsName: string | null;
  nodes: { name: string; id: string; state: string; privateIp: string | null; publicIp: string | null }[];
  certificate: { status: string; validationRecords: acm.ValidationRecord[] } | null;
  /** Databases and caches made for apps (db:create / cache:create). */
  appResources: ObservedCluster['appResources'];
  /** What the cluster needs that bootstrap cannot make by itself, each with the command that does. */
  missing: { what: string; fix: string }[];
}

export async function clusterStatus(config: ClusterConfig, options: ProgressOptions = {}): Promise<ClusterStatus> {
  const plan = await planClusterBootstrap(config, { ...options, agentBundle: 'optional' });
  const rows = statusRows(plan);
  const find = (name: string) => plan.observed.resources.find((r) => r.name === name && r.foreign === undefined);
  const cert = find('certificate');
  const missing: ClusterStatus['missing'] = [];
  // Without it no manager can look people up in LDAP: nobody but the users file logs in.
  if (find('bucket') !== undefined && (await ldapBindPasswordMissing(config))) {
    missing.push({ what: `the LDAP bind password of ${config.access.ldap?.bindDn}`, fix: 'futuswarm admin cluster:ldap-password -f <cluster file>' });
  }
  return {
    cluster: plan.cluster,
    region: plan.region,
    accountId: plan.accountId,
    rows,
    ok: rows.every((r) => r.status === 'ok') && missing.length === 0,
    loadBalancerDnsName: find('lb')?.dnsName ?? null,
    nodes: plan.observed.resources
      .filter((r) => r.kind === 'instance')
      .map((r) => ({ name: r.name, id: r.id, state: r.state ?? 'unknown', privateIp: (r.props.privateIp as string | null) ?? null, publicIp: (r.props.publicIp as string | null) ?? null })),
    certificate: cert === undefined ? null : { status: cert.state ?? 'unknown', validationRecords: (cert.props.validationRecords as acm.ValidationRecord[]) ?? [] },
    appResources: plan.observed.appResources,
    missing,
  };
}

export function formatStatus(status: ClusterStatus): string {
  const lines = [`cluster ${status.cluster} in ${status.region} (account ${status.accountId})`];
  const width = Math.max(...status.rows.map((r) => r.name.length), 4);
  for (const r of status.rows) {
    const detail = r.details.length > 0 ? `  ${r.details.join('; ')}` : '';
    lines.push(`  ${r.status.padEnd(8)} ${r.kind.padEnd(20)} ${r.name.padEnd(width)}  ${r.id ?? '-'}  ${r.state}${detail}`);
  }
  if (status.loadBalancerDnsName) lines.push(`load balancer: ${status.loadBalancerDnsName} (point *.<domain> here)`);
  for (const n of status.nodes) lines.push(`node ${n.name}: ${n.state}, public ${n.publicIp ?? '-'}, private ${n.privateIp ?? '-'}`);
  if (status.certificate && status.certificate.status !== 'ISSUED') {
    for (const r of status.certificate.validationRecords) lines.push(`certificate ${status.certificate.status}: create DNS record ${r.name} ${r.type} ${r.value}`);
  }
  for (const a of status.appResources) lines.push(`app ${a.kind} of ${a.app}: ${a.id}${a.deleting ? ' (being deleted)' : ''}`);
  for (const m of status.missing) lines.push(`missing: ${m.what} (${m.fix})`);
  lines.push(status.ok ? 'everything matches the file' : 'differences found: run futuswarm admin cluster:bootstrap to fix what it can');
  return lines.join('\n');
}
