/**
 * What exists of a cluster on AWS: every resource tagged `futuswarm:cluster=<name>` (or, for
 * resources with unique names, found by name and checked for that tag), as an ObservedCluster
 * snapshot for the pure planner.
 */
import type { ClusterConfig } from '../config/cluster-file.ts';
import type { ObservedCluster, ObservedResource } from '../core/plan-resources.ts';
import { clusterResourceNames, NODE_KEY_OBJECT_KEY, SHARED_DB_SECRET_KEY, STATE_OBJECT_KEY, stateBucketName } from '../core/plan-names.ts';
import { observeCertificates } from './acm.ts';
import { callerAccountId } from './account.ts';
import { availabilityZones, observeEc2, resolveImage } from './ec2.ts';
import { observeElastiCache } from './elasticache.ts';
import { observeElb } from './elbv2.ts';
import { clusterIamRoles, observeIam } from './iam.ts';
import { observeKms } from './kms-key.ts';
import { observeRds } from './rds.ts';
import { observeBucket } from './s3-bucket.ts';

export interface ObserveOptions {
  /** Find the newest image for a launch template that does not exist yet (not needed to destroy). */
  resolveImage?: boolean;
}

export async function observeCluster(config: ClusterConfig, options: ObserveOptions = {}): Promise<ObservedCluster> {
  const region = config.region;
  const names = clusterResourceNames(config.name);
  const accountId = await callerAccountId(region);
  const bucket = stateBucketName(config, accountId);
  const [zones, ec2, iam, kms, s3, certificates, elb, rds, caches] = await Promise.all([
    availabilityZones(region),
    observeEc2(region, config.name, names.launchTemplate),
    observeIam(region, config.name, clusterIamRoles(names)),
    observeKms(region, config.name, names.keyAlias),
    observeBucket(region, config.name, bucket, {
      state: STATE_OBJECT_KEY,
      secrets: [{ name: 'db-shared-secret', key: SHARED_DB_SECRET_KEY }],
      agentBundle: config.agent.bundleKey,
      nodeKey: NODE_KEY_OBJECT_KEY,
    }),
    config.tls.certificateArn === undefined ? observeCertificates(region, config.name, `*.${config.domain}`) : Promise.resolve([]),
    observeElb(region, config.name, names),
    observeRds(region, config.name),
    observeElastiCache(region, config.name),
  ]);
  const resources: ObservedResource[] = [...kms, ...s3, ...certificates, ...ec2, ...iam, ...rds.resources, ...caches.resources, ...elb];
  const observed: ObservedCluster = { accountId, availabilityZones: zones, resources, appResources: [...rds.apps, ...caches.apps] };
  const template = resources.find((r) => r.kind === 'launch-template' && r.name === 'node-template' && r.foreign === undefined);
  if (options.resolveImage !== false && config.nodes.image.id === undefined && template === undefined) {
    observed.imageId = await resolveImage(region, config.nodes.image, config.nodes.instanceType);
  }
  return observed;
}
