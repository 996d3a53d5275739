/** The IAM policies of a cluster's nodes, as data. */
import { REGISTRY_STORAGE_PREFIX } from './registry-spec.ts';
import { endpointSuffixOf, partitionOf, SWARM_JOIN_OBJECT_KEYS } from './plan-names.ts';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource?: string | string[];
  Principal?: Record<string, string>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Who may assume the node and worker roles: EC2 instances, nothing else. */
export function buildNodeTrustPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Ec2Instances', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: ['sts:AssumeRole'] },
    ],
  };
}

/**
 * What the agent on a manager may do: read and write this cluster's state bucket, use this
 * cluster's KMS key for envelope encryption, and make databases and caches for apps
 * (`db:create`, `cache:create`): only with this cluster's tag, and delete only what carries it.
 * Nothing else: no other bucket, no other key, no network, instance or IAM changes.
 * Workers get buildWorkerPolicy instead.
 */
/**
 * S3 calls that CNCF Distribution makes with a manager's role, beyond the object reads and writes
 * the agent needs too: it stores large layers as multipart uploads.
 */
export const REGISTRY_MULTIPART_ACTIONS = {
  bucket: ['s3:ListBucketMultipartUploads'],
  objects: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
} as const;

export function buildNodePolicy(input: { cluster: string; region: string; bucket: string; keyArn: string }): PolicyDocument {
  const p = partitionOf(input.region);
  const bucketArn = `arn:${p}:s3:::${input.bucket}`;
  const ours = (key: 'aws:RequestTag' | 'aws:ResourceTag') => ({ StringEquals: { [`${key}/futuswarm:cluster`]: input.cluster } });
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StateBucket',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:ListBucketVersions', ...REGISTRY_MULTIPART_ACTIONS.bucket],
        Resource: bucketArn,
      },
      {
        Sid: 'RegistryUploads',
        Effect: 'Allow',
        Action: [...REGISTRY_MULTIPART_ACTIONS.objects],
        Resource: `${bucketArn}/${REGISTRY_STORAGE_PREFIX}/*`,
      },
      {
        // DeleteObjectVersion: app:remove --purge destroys every version of the app's objects.
        Sid: 'StateObjects',
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        Resource: `${bucketArn}/*`,
      },
      {
        // Envelope encryption: a data key per write, Decrypt to read (also what SSE-KMS needs).
        Sid: 'StateKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: input.keyArn,
      },
      {
        // These Describe calls support no resource-level permissions.
        Sid: 'DataServiceEndpoints',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'elasticache:DescribeCacheSubnetGroups',
          'elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource', 'rds:DescribeDBInstances',
        ],
        Resource: '*',
      },
      {
        Sid: 'CreateAppDataServices',
        Effect: 'Allow',
        Action: ['elasticache:AddTagsToResource', 'elasticache:CreateCacheSubnetGroup', 'elasticache:CreateReplicationGroup', 'rds:AddTagsToResource', 'rds:CreateDBInstance'],
        Resource: '*',
        Condition: ours('aws:RequestTag'),
      },
      {
        Sid: 'RemoveAppDataServices',
        Effect: 'Allow',
        Action: ['elasticache:DeleteReplicationGroup', 'rds:DeleteDBInstance', 'rds:ModifyDBInstance'],
        Resource: '*',
        Condition: ours('aws:ResourceTag'),
      },
      {
        // The final snapshot of db:destroy: named after the app's instance, which is named after the cluster.
        Sid: 'FinalSnapshots',
        Effect: 'Allow',
        Action: ['rds:CreateDBSnapshot'],
        Resource: `arn:${p}:rds:${input.region}:*:snapshot:fs-${input.cluster}-*`,
      },
      {
        // The first cache of an account creates ElastiCache's own role.
        Sid: 'ServiceLinkedRoles',
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: '*',
        Condition: { StringEquals: { 'iam:AWSServiceName': ['elasticache.amazonaws.com', 'rds.amazonaws.com'] } },
      },
    ],
  };
}

/**
 * What a worker may do: exactly what its first boot and `futuswarm-agent node:register` need.
 * Workers run app containers, so one taken over must not reach the secrets of apps that do not
 * run on it, nor make AWS resources:
 *
 * - read the workers' swarm join token (not the managers') and the agent bundle (`aws s3 cp` at boot, and
 *   `futuswarm-install-agent` when run again by hand);
 * - read and write host-key records, `nodes/<address>` (node:register reads the record first
 *   for its ETag, then writes it conditionally);
 * - use the cluster key only through S3, for those SSE-KMS objects. Apps' secrets are sealed with
 *   data keys from direct KMS calls (context {cluster, app}), which `kms:ViaService` refuses.
 *
 * All of them are SSE-KMS: swarm-join.sh uploads the tokens with `--sse aws:kms`, bootstrap the
 * bundle with the cluster key, and `nodes/*` get the bucket's default (SSE-KMS, bucket key on).
 * The encryption context S3 passes is the bucket's ARN with a bucket key and the object's
 * without; both are allowed.
 */
export function buildWorkerPolicy(input: { region: string; bucket: string; keyArn: string; agentBundleKey: string }): PolicyDocument {
  const p = partitionOf(input.region);
  const bucketArn = `arn:${p}:s3:::${input.bucket}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        // S3 answers a GetObject of a missing key with 403 instead of 404 unless the caller may
        // list the bucket, and node:register reads `nodes/<address>` before its first write. This
        // shows object names (app names are no secret: app:list shows them to everyone), never
        // their content.
        Sid: 'StateBucketNames',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: bucketArn,
      },
      {
        Sid: 'BootObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [`${bucketArn}/${SWARM_JOIN_OBJECT_KEYS.worker}`, `${bucketArn}/${input.agentBundleKey}`],
      },
      {
        Sid: 'NodeRecords',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: `${bucketArn}/nodes/*`,
      },
      {
        // The cluster registry's instance on this node serves pulls from the shared layers;
        // pushes go through a manager's agent, so a worker only reads them.
        Sid: 'RegistryLayers',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: `${bucketArn}/${REGISTRY_STORAGE_PREFIX}/*`,
      },
      {
        Sid: 'StateKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: input.keyArn,
        Condition: {
          StringEquals: { 'kms:ViaService': `s3.${input.region}.${endpointSuffixOf(input.region)}` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/*`] },
        },
      },
    ],
  };
}

/**
 * What the person running `futuswarm admin cluster:*`, `db:*` and `cache:*` needs: the calls
 * bootstrap, status and destroy make (docs/admin-guide.md lists them). Names that futuswarm
 * chooses are scoped to `futuswarm-*`; EC2, ELB, ACM, RDS and ElastiCache creations are not
 * scoped, because their ids are unknown until they exist.
 */
export function buildAdminPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Network',
        Effect: 'Allow',
        Action: [
          'ec2:AssociateIamInstanceProfile', 'ec2:AssociateRouteTable', 'ec2:AttachInternetGateway', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:AuthorizeSecurityGroupIngress',
          'ec2:CreateInternetGateway', 'ec2:CreateLaunchTemplate', 'ec2:CreateLaunchTemplateVersion', 'ec2:CreateRoute', 'ec2:CreateRouteTable',
          'ec2:CreateSecurityGroup', 'ec2:CreateSubnet', 'ec2:CreateTags', 'ec2:CreateVpc', 'ec2:DeleteInternetGateway', 'ec2:DeleteLaunchTemplate',
          'ec2:DeleteRouteTable', 'ec2:DeleteSecurityGroup', 'ec2:DeleteSubnet', 'ec2:DeleteVpc', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeIamInstanceProfileAssociations', 'ec2:DescribeImages',
          'ec2:DescribeInstances', 'ec2:DescribeInternetGateways', 'ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeLaunchTemplates',
          'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:DetachInternetGateway',
          'ec2:DisassociateRouteTable', 'ec2:ModifyLaunchTemplate', 'ec2:ModifySubnetAttribute', 'ec2:ModifyVpcAttribute', 'ec2:ReplaceIamInstanceProfileAssociation', 'ec2:ReplaceRoute',
          'ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress', 'ec2:RunInstances', 'ec2:TerminateInstances',
        ],
        Resource: '*',
      },
      {
        Sid: 'LoadBalancer',
        Effect: 'Allow',
        Action: [
          'acm:AddTagsToCertificate', 'acm:DeleteCertificate', 'acm:DescribeCertificate', 'acm:ListCertificates', 'acm:ListTagsForCertificate', 'acm:RequestCertificate',
          'elasticloadbalancing:AddTags', 'elasticloadbalancing:CreateListener', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup',
          'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup',
          'elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeLoadBalancerAttributes',
          'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:ModifyLoadBalancerAttributes',
          'elasticloadbalancing:DescribeTags', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth',
          'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:RegisterTargets',
          'elasticloadbalancing:SetSecurityGroups', 'elasticloadbalancing:SetSubnets',
        ],
        Resource: '*',
      },
      {
        Sid: 'DataServices',
        Effect: 'Allow',
        Action: [
          // Apps' caches are made and deleted by the agent (cache:create/destroy); destroy only removes their subnet group.
          'elasticache:DeleteCacheSubnetGroup', 'elasticache:DescribeCacheSubnetGroups', 'elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource',
          'rds:AddTagsToResource', 'rds:CreateDBInstance', 'rds:CreateDBSnapshot', 'rds:CreateDBSubnetGroup', 'rds:DeleteDBInstance',
          'rds:DeleteDBSubnetGroup', 'rds:DescribeDBInstances', 'rds:DescribeDBSubnetGroups', 'rds:ListTagsForResource',
          'rds:ModifyDBInstance', 'rds:ModifyDBSubnetGroup',
        ],
        Resource: '*',
      },
      {
        Sid: 'Keys',
        Effect: 'Allow',
        Action: [
          'kms:CreateAlias', 'kms:CreateKey', 'kms:Decrypt', 'kms:DeleteAlias', 'kms:DescribeKey', 'kms:EnableKeyRotation', 'kms:GenerateDataKey',
          'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListKeys', 'kms:ListResourceTags', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion',
          'kms:TagResource', 'kms:UpdateAlias',
        ],
        Resource: '*',
      },
      {
        Sid: 'StateBuckets',
        Effect: 'Allow',
        Action: [
          's3:CreateBucket', 's3:DeleteBucket', 's3:DeleteBucketPolicy', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetBucketPolicy',
          's3:GetBucketPublicAccessBlock', 's3:GetBucketTagging', 's3:GetBucketVersioning', 's3:GetEncryptionConfiguration', 's3:GetLifecycleConfiguration',
          's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:ListBucketVersions', 's3:PutBucketPolicy', 's3:PutBucketPublicAccessBlock',
          's3:PutBucketTagging', 's3:PutBucketVersioning', 's3:PutEncryptionConfiguration', 's3:PutLifecycleConfiguration', 's3:PutObject',
        ],
        Resource: ['arn:aws:s3:::futuswarm-*', 'arn:aws:s3:::futuswarm-*/*'],
      },
      {
        Sid: 'NodeRole',
        Effect: 'Allow',
        Action: [
          'iam:AddRoleToInstanceProfile', 'iam:CreateInstanceProfile', 'iam:CreateRole', 'iam:DeleteInstanceProfile', 'iam:DeleteRole',
          'iam:DeleteRolePolicy', 'iam:DetachRolePolicy', 'iam:GetInstanceProfile', 'iam:GetRole', 'iam:GetRolePolicy',
          'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole', 'iam:ListRolePolicies', 'iam:PutRolePolicy',
          'iam:RemoveRoleFromInstanceProfile', 'iam:TagInstanceProfile', 'iam:TagRole', 'iam:UpdateAssumeRolePolicy',
        ],
        Resource: ['arn:aws:iam::*:role/futuswarm-*', 'arn:aws:iam::*:instance-profile/futuswarm-*'],
      },
      {
        // The managers' and the workers' roles, to the instances bootstrap starts or updates.
        Sid: 'PassNodeRole',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: 'arn:aws:iam::*:role/futuswarm-*',
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
      {
        // The first load balancer, database or cache of an account creates the service's own role.
        Sid: 'ServiceLinkedRoles',
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: '*',
        Condition: { StringEquals: { 'iam:AWSServiceName': ['elasticache.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'rds.amazonaws.com'] } },
      },
    ],
  };
}

/**
 * The managers' and workers' policies as an admin reviews them before bootstrap: the cluster's
 * own names are placeholders (`<cluster>`, `<region>`, `<state bucket>`, `<key ARN>`, `<agent bundle key>`).
 */
export function documentedNodePolicies(): { manager: PolicyDocument; worker: PolicyDocument } {
  const input = { cluster: '<cluster>', region: '<region>', bucket: '<state bucket>', keyArn: '<key ARN>' };
  return {
    manager: buildNodePolicy(input),
    worker: buildWorkerPolicy({ ...input, agentBundleKey: '<agent bundle key>' }),
  };
}

/**
 * The cluster key's own policy, written out instead of the account default (which lets any IAM
 * policy grant anything on it). The account administers the key; its IAM principals may use it
 * to make and open data keys only for this cluster (every envelope's context names the
 * cluster) or through S3 (the state bucket's SSE-KMS objects), and never for raw Encrypt or
 * ReEncrypt. Who of the account gets those uses is still up to IAM (the node roles, the admin).
 */
export function buildKeyPolicy(input: { accountId: string; region: string; cluster: string }): PolicyDocument {
  const account = { AWS: `arn:${partitionOf(input.region)}:iam::${input.accountId}:root` };
  const use = ['kms:Decrypt', 'kms:GenerateDataKey'];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministersTheKey',
        Effect: 'Allow',
        Principal: account,
        Action: [
          'kms:CancelKeyDeletion', 'kms:Create*', 'kms:Delete*', 'kms:Describe*', 'kms:Disable*', 'kms:Enable*', 'kms:Get*', 'kms:List*',
          'kms:Put*', 'kms:Revoke*', 'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource', 'kms:Update*',
        ],
        Resource: '*',
      },
      {
        Sid: 'DataKeysOfThisCluster',
        Effect: 'Allow',
        Principal: account,
        Action: use,
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:cluster': input.cluster } },
      },
      {
        Sid: 'StateBucketObjects',
        Effect: 'Allow',
        Principal: account,
        Action: use,
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `s3.${input.region}.${endpointSuffixOf(input.region)}` } },
      },
    ],
  };
}
