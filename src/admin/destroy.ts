/**
 * `admin cluster:destroy`: remove what bootstrap made, in the reverse order of its plan
 * (src/core/plan-destroy.ts); the state bucket and its key only with --delete-data.
 */
import type { ClusterConfig } from '../config/cluster-file.ts';
import { confirmationRefused, type Destruction } from '../core/confirm.ts';
import { FutuswarmError } from '../core/errors.ts';
import { type ObservedCluster, type ObservedResource } from '../core/plan-resources.ts';
import { type DestroyStep, planDestroy } from '../core/plan-destroy.ts';
import { stateBucketName, SWARM_JOIN_OBJECT_KEYS, SWARM_MANAGERS_PREFIX } from '../core/plan-names.ts';
import * as acm from '../aws/acm.ts';
import * as ec2 from '../aws/ec2.ts';
import * as securityGroups from '../aws/ec2-security-groups.ts';
import * as instances from '../aws/ec2-instances.ts';
import { deleteCacheSubnetGroup, observeElastiCache } from '../aws/elasticache.ts';
import * as elb from '../aws/elbv2.ts';
import * as iam from '../aws/iam.ts';
import * as kms from '../aws/kms-key.ts';
import { observeCluster } from '../aws/observe.ts';
import * as rds from '../aws/rds.ts';
import * as s3 from '../aws/s3-bucket.ts';
import { waitFor, type WaitOptions } from '../aws/wait.ts';
import type { ProgressOptions } from './bootstrap.ts';

export interface DestroyOptions extends ProgressOptions {
  /** Must be the cluster name: destroying is never an accident. */
  confirm: string;
  /** Also delete the state bucket (app secrets, releases, audit), the KMS key and stored passwords. */
  deleteData?: boolean;
  wait?: WaitOptions;
}

export interface DestroyResult {
  cluster: string;
  deleted: { kind: string; name: string; id: string }[];
  kept: { kind: string; name: string; id: string; reason: string }[];
  snapshots: string[];
}

async function deleteOne(ctx: { region: string; wait: WaitOptions }, step: DestroyStep, o: ObservedResource, bucket: string, deleteData: boolean): Promise<string | null> {
  const props = o.props as Record<string, never>;
  switch (step.kind) {
    case 'state-object':
      await s3.deleteObject(ctx.region, bucket, step.id);
      for (const key of Object.values(SWARM_JOIN_OBJECT_KEYS)) await s3.deleteObject(ctx.region, bucket, key);
      await s3.deleteObjectsUnder(ctx.region, bucket, SWARM_MANAGERS_PREFIX);
      return null;
    case 'agent-bundle':
    case 'node-key':
      await s3.deleteObject(ctx.region, bucket, step.id);
      return null;
    case 'listener':
      await elb.deleteListener(ctx, step.id);
      return null;
    case 'load-balancer':
      await elb.deleteLoadBalancer(ctx, step.id);
      return null;
    case 'target-group':
      await elb.deleteTargetGroup(ctx, step.id);
      return null;
    case 'certificate':
      await acm.deleteCertificate(ctx, step.id);
      return null;
    case 'instance':
      await instances.terminateInstance(ctx, step.id);
      return null;
    case 'launch-template':
      await instances.deleteLaunchTemplate(ctx, step.id);
      return null;
    case 'db-instance':
      return (await rds.deleteDbInstance(ctx, step.id, { finalSnapshot: !deleteData })).snapshotId;
    case 'db-subnet-group':
      await rds.deleteDbSubnetGroup(ctx, step.id);
      return null;
    case 'cache-subnet-group':
      await deleteCacheSubnetGroup(ctx.region, step.id, ctx.wait);
      return null;
    case 'instance-profile':
      await iam.deleteInstanceProfile(ctx, step.id, props.roles ?? []);
      return null;
    case 'iam-role':
      await iam.deleteRole(ctx, step.id);
      return null;
    case 'security-group-rules':
      await securityGroups.revokeAllRules(ctx, step.id);
      return null;
    case 'security-group':
      await securityGroups.deleteSecurityGroup(ctx, step.id);
      return null;
    case 'route-table':
      await ec2.deleteRouteTable(ctx, step.id, props.associations ?? {});
      return null;
    case 'internet-gateway':
      await ec2.deleteInternetGateway(ctx, step.id, props.attachedVpc ?? null);
      return null;
    case 'subnet':
      await ec2.deleteSubnet(ctx, step.id);
      return null;
    case 'vpc':
      await ec2.deleteVpc(ctx, step.id);
      return null;
    case 'secret-object':
      await s3.deleteObject(ctx.region, bucket, step.id);
      return null;
    case 'kms-alias':
      await kms.deleteAlias(ctx, step.id);
      return null;
    case 's3-bucket':
      await s3.deleteBucket(ctx, step.id);
      return null;
    case 'kms-key':
      await kms.scheduleKeyDeletion(ctx, step.id);
      return null;
  }
}

/** What cluster:destroy destroys, for its confirmation. */
export function clusterDestruction(name: string, file: string, deleteData: boolean): Destruction {
  return {
    action: `destroy cluster ${name}: everything bootstrap made${deleteData ? ', and the state bucket with every app\'s secrets, releases and audit, the stored passwords and the KMS key' : ''}`,
    by: 'cluster',
    name,
    rerun: `futuswarm admin cluster:destroy -f ${file} --confirm ${name}${deleteData ? ' --delete-data' : ''}`,
  };
}

/**
 * Remove what bootstrap made, dependents first. Keeps the state bucket, the KMS key and stored
 * passwords unless `deleteData`; the shared database leaves a final snapshot unless `deleteData`.
 * Refuses while app databases or caches exist (they hold app data and use the VPC).
 */
export async function destroyCluster(config: ClusterConfig, options: DestroyOptions): Promise<DestroyResult> {
  const deleteData = options.deleteData ?? false;
  if (options.confirm !== config.name) throw confirmationRefused(clusterDestruction(config.name, '<file>', deleteData), options.confirm);
  const onProgress = options.onProgress ?? (() => {});
  onProgress(`looking up cluster ${config.name} in ${config.region}`);
  const observed = await observeCluster(config, { resolveImage: false });
  const describe = (list: ObservedCluster['appResources']) => list.map((a) => `${a.kind} ${a.id} (app ${a.app})`).join(', ');
  const live = observed.appResources.filter((a) => !a.deleting);
  if (live.length > 0) {
    throw new FutuswarmError('conflict', `cluster ${config.name} still has app databases or caches: ${describe(live)}`, {
      hint: 'remove them first with futuswarm db:destroy / cache:destroy (they hold app data)',
      details: { appResources: observed.appResources },
    });
  }
  // Ones on their way out still hold the cluster's subnets: nothing is deleted before they are gone.
  if (observed.appResources.length > 0) {
    onProgress(`waiting for ${describe(observed.appResources)} to finish deleting`);
    await waitFor(`${describe(observed.appResources)} to finish deleting`, async () => {
      const [dbs, caches] = await Promise.all([rds.observeRds(config.region, config.name), observeElastiCache(config.region, config.name)]);
      return [...dbs.apps, ...caches.apps].length === 0 ? true : undefined;
    }, { ...options.wait, hint: `nothing of cluster ${config.name} was deleted yet; run the same command again once they are gone (futuswarm admin cluster:status lists them)` });
  }
  const bucket = stateBucketName(config, observed.accountId);
  const steps = planDestroy(observed, { deleteData });
  const byKey = new Map(observed.resources.map((o) => [`${o.kind}/${o.name}/${o.id}`, o]));
  const ctx = { region: config.region, wait: options.wait ?? {} };
  const result: DestroyResult = { cluster: config.name, deleted: [], kept: [], snapshots: [] };
  // Steps of one kind do not depend on each other: run them together (instances terminate in parallel).
  const groups: DestroyStep[][] = [];
  for (const step of steps) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0]!.kind === step.kind) last.push(step);
    else groups.push([step]);
  }
  for (const group of groups) {
    await Promise.all(
      group.map(async (step) => {
        if (step.action === 'keep') {
          onProgress(`keeping ${step.kind} ${step.name} (${step.id}): ${step.reason}`);
          result.kept.push({ kind: step.kind, name: step.name, id: step.id, reason: step.reason });
          return;
        }
        onProgress(`deleting ${step.kind} ${step.name} (${step.id})`);
        try {
          const snapshot = await deleteOne(ctx, step, byKey.get(`${step.kind}/${step.name}/${step.id}`)!, bucket, deleteData);
          if (snapshot !== null) {
            onProgress(`final snapshot of ${step.id}: ${snapshot}`);
            result.snapshots.push(snapshot);
          }
        } catch (e) {
          const inner = e instanceof FutuswarmError ? e : new FutuswarmError('internal', (e as Error).message, { cause: e });
          throw new FutuswarmError(inner.code, `cluster:destroy stopped at ${step.kind} ${step.name}: ${inner.message}`, {
            hint: `${inner.hint ? `${inner.hint}. ` : ''}Run the same command again to continue.`,
            cause: inner,
          });
        }
        result.deleted.push({ kind: step.kind, name: step.name, id: step.id });
      }),
    );
  }
  return result;
}

export function formatDestroy(result: DestroyResult): string {
  const lines = result.deleted.map((d) => `- deleted ${d.kind} ${d.name} (${d.id})`);
  for (const k of result.kept) lines.push(`  kept    ${k.kind} ${k.name} (${k.id}): ${k.reason}`);
  for (const s of result.snapshots) lines.push(`  final database snapshot: ${s}`);
  lines.push(`cluster ${result.cluster}: ${result.deleted.length} resources deleted, ${result.kept.length} kept`);
  return lines.join('\n');
}
