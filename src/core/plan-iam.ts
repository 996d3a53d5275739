/** The IAM policies of a cluster's nodes, as data. */
import { partitionOf } from './plan-names.ts';

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

/** Who may assume the node role: EC2 instances, nothing else. */
export function buildNodeTrustPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Ec2Instances', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: ['sts:AssumeRole'] },
    ],
  };
}

/**
 * What the agent on a node may do: read and write this cluster's state bucket, use this
 * cluster's KMS key for envelope encryption, and look up database and cache endpoints.
 * Nothing else: no other bucket, no other key, no create or delete on AWS resources.
 */
export function buildNodePolicy(input: { region: string; bucket: string; keyArn: string }): PolicyDocument {
  const p = partitionOf(input.region);
  const bucketArn = `arn:${p}:s3:::${input.bucket}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StateBucket',
        Effect: 'Allow',
        Action: ['s3:GetBucketLocation', 's3:GetBucketVersioning', 's3:ListBucket', 's3:ListBucketVersions'],
        Resource: bucketArn,
      },
      {
        Sid: 'StateObjects',
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        Resource: `${bucketArn}/*`,
      },
      {
        Sid: 'StateKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: input.keyArn,
      },
      {
        // These Describe calls support no resource-level permissions.
        Sid: 'DataServiceEndpoints',
        Effect: 'Allow',
        Action: ['elasticache:DescribeCacheClusters', 'elasticache:DescribeReplicationGroups', 'rds:DescribeDBInstances'],
        Resource: '*',
      },
    ],
  };
}
