/** The bootstrap plan's firewall, key and node policies, names, and what destroy removes, as data. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDesiredCluster } from '../../src/core/plan-desired.ts';
import { planDestroy } from '../../src/core/plan-destroy.ts';
import { buildKeyPolicy, buildNodePolicy } from '../../src/core/plan-iam.ts';
import { boundedName, cacheGroupId, clusterResourceNames, stateBucketName } from '../../src/core/plan-names.ts';
import { buildSecurityGroupRules, subnetCidr } from '../../src/core/plan-network.ts';
import { ACCOUNT, config, facts, observedFrom } from '../helpers/plan-fixtures.ts';

test('firewall: only the load balancer is open to the Internet, and only on 80 and 443', () => {
  const rules = buildSecurityGroupRules(config({ network: { sshCidrs: ['203.0.113.0/24', '198.51.100.7/32'] } }));
  const open = Object.entries(rules).flatMap(([group, r]) =>
    r.ingress.filter((x) => 'cidr' in x.peer && x.peer.cidr === '0.0.0.0/0').map((x) => `${group} ${x.protocol}/${x.fromPort}`),
  );
  assert.deepEqual(open, ['sg-lb tcp/80', 'sg-lb tcp/443']);
  const nodes = rules['sg-nodes'].ingress.map((x) => `${x.protocol}/${x.fromPort} from ${'cidr' in x.peer ? x.peer.cidr : x.peer.group}`);
  assert.deepEqual(nodes, [
    'tcp/80 from sg-lb',
    'tcp/22 from 203.0.113.0/24',
    'tcp/22 from 198.51.100.7/32',
    'tcp/22 from sg-nodes',
    'tcp/2377 from sg-nodes',
    'tcp/7946 from sg-nodes',
    'udp/7946 from sg-nodes',
    'udp/4789 from sg-nodes',
  ]);
  assert.deepEqual(rules['sg-lb'].egress.map((x) => [x.fromPort, x.peer]), [[80, { group: 'sg-nodes' }]]);
  assert.deepEqual(rules['sg-db'].ingress.map((x) => [x.fromPort, x.peer]), [[5432, { group: 'sg-nodes' }]]);
});

test('the cluster key has its own policy: the account administers it, and data keys are only for this cluster or through S3', () => {
  const policy = buildKeyPolicy({ accountId: ACCOUNT, region: 'eu-north-1', cluster: 'prod' });
  const byId = Object.fromEntries(policy.Statement.map((st) => [st.Sid, st]));
  for (const st of policy.Statement) assert.deepEqual(st.Principal, { AWS: `arn:aws:iam::${ACCOUNT}:root` });
  const admin = byId.AccountAdministersTheKey!.Action;
  // Administration, including what bootstrap and destroy do; no use of the key for data.
  for (const a of ['kms:Put*', 'kms:Enable*', 'kms:ScheduleKeyDeletion', 'kms:TagResource']) assert.ok(admin.includes(a), a);
  assert.deepEqual(admin.filter((a) => /Decrypt|Encrypt|GenerateDataKey|kms:\*$/.test(a)), []);
  assert.deepEqual(byId.DataKeysOfThisCluster!.Condition, { StringEquals: { 'kms:EncryptionContext:cluster': 'prod' } });
  assert.deepEqual(byId.StateBucketObjects!.Condition, { StringEquals: { 'kms:ViaService': 's3.eu-north-1.amazonaws.com' } });
  assert.deepEqual([...byId.DataKeysOfThisCluster!.Action, ...byId.StateBucketObjects!.Action], ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:GenerateDataKey']);
  const desired = buildDesiredCluster(config(), facts).find((d) => d.kind === 'kms-key');
  assert.deepEqual(desired?.kind === 'kms-key' && desired.policy, policy);
});

test('the node policy allows this bucket, this key, and app databases and caches tagged for this cluster, nothing else', () => {
  assert.deepEqual(buildNodePolicy({ cluster: 'prod', region: 'eu-north-1', bucket: 'futuswarm-prod-123456789012-eu-north-1', keyArn: 'arn:aws:kms:eu-north-1:123456789012:key/k1' }), {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StateBucket',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads'],
        Resource: 'arn:aws:s3:::futuswarm-prod-123456789012-eu-north-1',
      },
      {
        Sid: 'RegistryUploads',
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: 'arn:aws:s3:::futuswarm-prod-123456789012-eu-north-1/registry/*',
      },
      {
        Sid: 'StateObjects',
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        Resource: 'arn:aws:s3:::futuswarm-prod-123456789012-eu-north-1/*',
      },
      { Sid: 'StateKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: 'arn:aws:kms:eu-north-1:123456789012:key/k1' },
      {
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
        Condition: { StringEquals: { 'aws:RequestTag/futuswarm:cluster': 'prod' } },
      },
      {
        Sid: 'RemoveAppDataServices',
        Effect: 'Allow',
        Action: ['elasticache:DeleteReplicationGroup', 'rds:DeleteDBInstance', 'rds:ModifyDBInstance'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/futuswarm:cluster': 'prod' } },
      },
      { Sid: 'FinalSnapshots', Effect: 'Allow', Action: ['rds:CreateDBSnapshot'], Resource: 'arn:aws:rds:eu-north-1:*:snapshot:fs-prod-*' },
      {
        Sid: 'ServiceLinkedRoles',
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: '*',
        Condition: { StringEquals: { 'iam:AWSServiceName': ['elasticache.amazonaws.com', 'rds.amazonaws.com'] } },
      },
    ],
  });
  assert.match(JSON.stringify(buildNodePolicy({ cluster: 'c', region: 'cn-north-1', bucket: 'b', keyArn: 'k' })), /arn:aws-cn:s3:::b/);
});

test('names: within AWS limits, stable, and distinct for long inputs', () => {
  const long = 'a-very-long-cluster1';
  const names = clusterResourceNames(long);
  assert.ok(names.targetGroup.length <= 32 && names.loadBalancer.length <= 32, JSON.stringify(names));
  assert.equal(stateBucketName(config({ name: long }), ACCOUNT), `futuswarm-${long}-${ACCOUNT}-eu-north-1`);
  assert.equal(stateBucketName(config({ state: { bucket: 'my-bucket' } }), ACCOUNT), 'my-bucket');
  const a = cacheGroupId(long, 'shop-frontend-with-a-long-name');
  const b = cacheGroupId(long, 'shop-frontend-with-a-long-name-2');
  assert.ok(a.length <= 40 && b.length <= 40 && a !== b, `${a} ${b}`);
  assert.equal(boundedName(['fs', 'prod', 'shop'], 40), 'fs-prod-shop');
  assert.equal(boundedName(['fs', 'prod', 'a--b'], 40), 'fs-prod-a-b');
  assert.equal(subnetCidr('10.42.0.0/16', 4, 2), '10.42.32.0/20');
  assert.equal(subnetCidr('192.168.1.0/24', 4, 15), '192.168.1.240/28');
  assert.throws(() => subnetCidr('10.0.0.0/26', 4, 0), RangeError);
});

test('destroy removes dependents first and keeps data unless asked', () => {
  const c = config({ databases: { shared: true } });
  const observed = observedFrom(buildDesiredCluster(c, facts));
  const keep = planDestroy(observed, { deleteData: false });
  const order = keep.map((s) => s.name);
  const before = (a: string, b: string) => assert.ok(order.indexOf(a) < order.indexOf(b), `${a} before ${b}`);
  before('listener-https', 'lb');
  before('lb', 'target-group');
  before('manager-1', 'sg-nodes');
  before('sg-lb-rules', 'sg-lb');
  before('sg-nodes-rules', 'sg-lb');
  before('db-shared', 'db-subnets');
  before('subnet-1', 'vpc');
  before('igw', 'vpc');
  assert.deepEqual(keep.filter((s) => s.action === 'keep').map((s) => s.name), ['db-shared-secret', 'key-alias', 'bucket', 'key']);
  before('agent-bundle', 'bucket');
  // The node key goes once no node runs any more, and is not kept as data.
  before('manager-1', 'node-key');
  before('node-key', 'bucket');
  assert.deepEqual(planDestroy(observed, { deleteData: true }).filter((s) => s.action === 'keep'), []);
  assert.equal(keep.length, observed.resources.length);
});
