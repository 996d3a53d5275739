/**
 * The workers' IAM policy, evaluated as data: a small evaluator of the parts of IAM's policy
 * language the policies use (Allow/Deny, wildcards in Action and Resource, StringEquals and
 * StringLike conditions) asks what a worker may do with which object and key. It refuses any
 * other condition operator, so a policy that starts using one cannot pass by being misread.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildNodePolicy, buildWorkerPolicy, type PolicyDocument, type PolicyStatement } from '../../src/core/plan-iam.ts';
import { SHARED_DB_SECRET_KEY, NODE_KEY_OBJECT_KEY, STATE_OBJECT_KEY, SWARM_JOIN_OBJECT_KEYS } from '../../src/core/plan-names.ts';

const REGION = 'eu-north-1';
const BUCKET = 'futuswarm-prod-123456789012-eu-north-1';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const KEY_ARN = 'arn:aws:kms:eu-north-1:123456789012:key/k1';
const BUNDLE_KEY = 'dist/futuswarm-agent-linux-x64.tar.gz';

const worker = buildWorkerPolicy({ region: REGION, bucket: BUCKET, keyArn: KEY_ARN, agentBundleKey: BUNDLE_KEY });
const manager = buildNodePolicy({ cluster: 'prod', region: REGION, bucket: BUCKET, keyArn: KEY_ARN });

/** IAM's wildcards: `*` any run of characters, `?` one character. */
function glob(pattern: string, value: string, ignoreCase = false): boolean {
  const source = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function conditionHolds(condition: PolicyStatement['Condition'], context: Record<string, string>): boolean {
  for (const [operator, tests] of Object.entries(condition ?? {})) {
    for (const [key, wanted] of Object.entries(tests)) {
      const actual = context[key];
      if (actual === undefined) return false;
      if (operator === 'StringEquals') {
        if (!list(wanted).includes(actual)) return false;
      } else if (operator === 'StringLike') {
        if (!list(wanted).some((w) => glob(w, actual))) return false;
      } else {
        throw new Error(`the test evaluator does not know the condition operator ${operator}`);
      }
    }
  }
  return true;
}

function matches(s: PolicyStatement, action: string, resource: string, context: Record<string, string>): boolean {
  return s.Action.some((a) => glob(a, action, true)) && list(s.Resource).some((r) => glob(r, resource)) && conditionHolds(s.Condition, context);
}

/** Allowed when a statement allows it and none denies it (identity policy only). */
function allows(policy: PolicyDocument, action: string, resource: string, context: Record<string, string> = {}): boolean {
  const hits = policy.Statement.filter((s) => matches(s, action, resource, context));
  return hits.some((s) => s.Effect === 'Allow') && !hits.some((s) => s.Effect === 'Deny');
}

const object = (key: string) => `${BUCKET_ARN}/${key}`;
const OBJECT_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectAcl'];
const APP_KEYS = ['apps/shop/secrets', 'apps/shop/acl', 'apps/shop/settings', 'apps/shop/releases/000001.json', 'apps/shop/lock'];
const PROBE_KEYS = [
  SWARM_JOIN_OBJECT_KEYS.worker,
  // The managers' token would let a worker join again as a manager, which reads every app's environment.
  SWARM_JOIN_OBJECT_KEYS.manager,
  BUNDLE_KEY,
  'nodes/10.42.0.5',
  'nodes/10.42.16.7',
  ...APP_KEYS,
  STATE_OBJECT_KEY,
  NODE_KEY_OBJECT_KEY,
  SHARED_DB_SECRET_KEY,
  'cluster/secrets/db/shop.json',
  'cluster/swarm/join-worker.json.old',
  'dist/other.tar.gz',
  'audit/2030/01/01/120000Z-abcd.json',
  'domains/shop.example.com',
];

test('workers may read their join token and the agent bundle, and read and write nodes/*: no other object, no other action', () => {
  const allowed = PROBE_KEYS.flatMap((key) => OBJECT_ACTIONS.filter((action) => allows(worker, action, object(key))).map((action) => `${action} ${key}`));
  assert.deepEqual(allowed, [
    `s3:GetObject ${SWARM_JOIN_OBJECT_KEYS.worker}`,
    `s3:GetObject ${BUNDLE_KEY}`,
    's3:GetObject nodes/10.42.0.5',
    's3:PutObject nodes/10.42.0.5',
    's3:GetObject nodes/10.42.16.7',
    's3:PutObject nodes/10.42.16.7',
  ]);
  // The evaluator itself: the managers' policy reaches every one of these objects.
  for (const key of PROBE_KEYS) assert.ok(allows(manager, 's3:GetObject', object(key)), key);
});

test('nothing in the worker policy reaches apps/*, with any action it names', () => {
  const actions = [...new Set(worker.Statement.flatMap((s) => s.Action))];
  for (const key of APP_KEYS) {
    for (const action of [...actions, ...OBJECT_ACTIONS, 's3:*']) assert.equal(allows(worker, action, object(key)), false, `${action} ${key}`);
  }
  for (const s of worker.Statement) {
    for (const r of list(s.Resource)) {
      assert.ok(!glob(r, object('apps/shop/secrets')), `${s.Sid} names ${r}`);
      assert.notEqual(r, '*', s.Sid);
    }
  }
});

test('workers use the cluster key only through S3 on this bucket: app data keys cannot be decrypted', () => {
  const viaS3 = { 'kms:ViaService': 's3.eu-north-1.amazonaws.com' };
  // S3 with a bucket key passes the bucket's ARN as encryption context, without one the object's.
  for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
    assert.ok(allows(worker, action, KEY_ARN, { ...viaS3, 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN }), action);
    assert.ok(allows(worker, action, KEY_ARN, { ...viaS3, 'kms:EncryptionContext:aws:s3:arn': object('nodes/10.42.0.5') }), action);
  }
  // Apps' secrets: data keys from direct KMS calls with the context {cluster, app}.
  const appContext = { 'kms:EncryptionContext:cluster': 'prod', 'kms:EncryptionContext:app': 'shop' };
  assert.equal(allows(worker, 'kms:Decrypt', KEY_ARN, appContext), false);
  assert.equal(allows(worker, 'kms:GenerateDataKey', KEY_ARN, appContext), false);
  assert.equal(allows(manager, 'kms:Decrypt', KEY_ARN, appContext), true);
  // Nor through S3 for another bucket, nor through another service or region.
  assert.equal(allows(worker, 'kms:Decrypt', KEY_ARN, { ...viaS3, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::elsewhere/x' }), false);
  assert.equal(allows(worker, 'kms:Decrypt', KEY_ARN, { 'kms:ViaService': 'secretsmanager.eu-north-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN }), false);
  assert.equal(allows(worker, 'kms:Decrypt', KEY_ARN, { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN }), false);
  for (const action of ['kms:Encrypt', 'kms:DescribeKey', 'kms:ReEncryptFrom', 'kms:CreateGrant']) {
    assert.equal(allows(worker, action, KEY_ARN, { ...viaS3, 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN }), false, action);
  }
  assert.equal(allows(worker, 'kms:Decrypt', 'arn:aws:kms:eu-north-1:123456789012:key/other', { ...viaS3, 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN }), false);
});

test('workers make no AWS resources: only S3 and KMS, only this bucket and key', () => {
  assert.deepEqual([...new Set(worker.Statement.flatMap((s) => s.Action.map((a) => a.split(':')[0])))].sort(), ['kms', 's3']);
  for (const action of ['rds:CreateDBInstance', 'rds:DeleteDBInstance', 'rds:ModifyDBInstance', 'elasticache:CreateReplicationGroup', 'elasticache:DeleteReplicationGroup', 'iam:CreateServiceLinkedRole', 'ec2:DescribeSubnets']) {
    assert.equal(allows(worker, action, '*', { 'aws:RequestTag/futuswarm:cluster': 'prod', 'aws:ResourceTag/futuswarm:cluster': 'prod' }), false, action);
  }
  assert.deepEqual(worker.Statement.flatMap((s) => list(s.Resource)).filter((r) => r !== KEY_ARN && r !== BUCKET_ARN && !r.startsWith(`${BUCKET_ARN}/`)), []);
  // Listing shows names only, so that a missing nodes/<address> answers 404, not 403.
  assert.ok(allows(worker, 's3:ListBucket', BUCKET_ARN));
  assert.equal(allows(worker, 's3:ListBucketVersions', BUCKET_ARN), false);
  assert.equal(allows(worker, 's3:PutBucketPolicy', BUCKET_ARN), false);
});

test('the worker policy follows the bundle key, the partition and its endpoints', () => {
  const moved = buildWorkerPolicy({ region: REGION, bucket: BUCKET, keyArn: KEY_ARN, agentBundleKey: 'agents/v2.tgz' });
  assert.ok(allows(moved, 's3:GetObject', object('agents/v2.tgz')));
  assert.equal(allows(moved, 's3:GetObject', object(BUNDLE_KEY)), false);
  const china = buildWorkerPolicy({ region: 'cn-north-1', bucket: 'b', keyArn: 'arn:aws-cn:kms:cn-north-1:1:key/k', agentBundleKey: BUNDLE_KEY });
  assert.ok(allows(china, 's3:GetObject', `arn:aws-cn:s3:::b/${SWARM_JOIN_OBJECT_KEYS.worker}`));
  assert.ok(allows(china, 'kms:Decrypt', 'arn:aws-cn:kms:cn-north-1:1:key/k', { 'kms:ViaService': 's3.cn-north-1.amazonaws.com.cn', 'kms:EncryptionContext:aws:s3:arn': 'arn:aws-cn:s3:::b' }));
});
