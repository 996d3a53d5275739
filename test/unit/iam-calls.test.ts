/**
 * Every AWS API call the code can make, mapped to its IAM action, against the policies
 * bootstrap generates. moto checks no IAM, so a call the manager role does not allow would
 * first fail on a real account: here it fails the test.
 *
 * The calls are read from the source: each `new sdk.XCommand(` in a top-level function of
 * src/aws/, the service told by which SDK exports that command (or, when several do, by the
 * client helper the function uses). From the functions that the agent's code (or the CLI's, for
 * admins, and src/admin) names, calls are followed through src/aws/ by name.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { buildAdminPolicy, buildNodePolicy, REGISTRY_MULTIPART_ACTIONS, type PolicyDocument } from '../../src/core/plan-iam.ts';
import { REPO } from '../helpers/cli.ts';

/** IAM prefix → the SDK package whose commands it authorises. */
const SDKS: Record<string, string> = {
  s3: '@aws-sdk/client-s3',
  kms: '@aws-sdk/client-kms',
  ec2: '@aws-sdk/client-ec2',
  iam: '@aws-sdk/client-iam',
  elasticloadbalancing: '@aws-sdk/client-elastic-load-balancing-v2',
  acm: '@aws-sdk/client-acm',
  rds: '@aws-sdk/client-rds',
  elasticache: '@aws-sdk/client-elasticache',
  sts: '@aws-sdk/client-sts',
};
/** The client helpers of src/aws/clients.ts (and local aliases of them) → IAM prefix. */
const HELPERS: Record<string, string> = {
  ec2: 'ec2', iam: 'iam', elbv2: 'elasticloadbalancing', acm: 'acm', rds: 'rds', elasticache: 'elasticache',
  kmsAdmin: 'kms', kmsClient: 'kms', kms: 'kms', s3Admin: 's3', s3Client: 's3', s3: 's3', sts: 'sts',
};

/** Where an operation's IAM action is not `prefix:Operation`. */
const ACTION_OF: Record<string, string[]> = {
  's3:HeadBucket': ['s3:ListBucket'],
  's3:HeadObject': ['s3:GetObject'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:ListObjectVersions': ['s3:ListBucketVersions'],
  's3:GetBucketEncryption': ['s3:GetEncryptionConfiguration'],
  's3:PutBucketEncryption': ['s3:PutEncryptionConfiguration'],
  's3:GetPublicAccessBlock': ['s3:GetBucketPublicAccessBlock'],
  's3:GetBucketLifecycleConfiguration': ['s3:GetLifecycleConfiguration'],
  's3:PutBucketLifecycleConfiguration': ['s3:PutLifecycleConfiguration'],
  's3:PutPublicAccessBlock': ['s3:PutBucketPublicAccessBlock'],
  's3:DeleteObjects': ['s3:DeleteObject'],
  'sts:GetCallerIdentity': [],
};
/** With a VersionId, S3 checks another action too. */
const VERSIONED: Record<string, string> = { 's3:GetObject': 's3:GetObjectVersion', 's3:DeleteObject': 's3:DeleteObjectVersion' };

interface Fn {
  file: string;
  name: string;
  text: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const SRC = join(REPO, 'src');
const rel = (p: string) => relative(REPO, p);
const texts = new Map(walk(SRC).map((f) => [rel(f), readFileSync(f, 'utf8')]));
const sdks = Object.fromEntries(await Promise.all(Object.entries(SDKS).map(async ([prefix, pkg]) => [prefix, (await import(pkg)) as Record<string, unknown>] as const)));

/** Top-level functions of a file: from `function name(` at column 0 to the next `}` at column 0. */
function functionsOf(file: string): Fn[] {
  const lines = (texts.get(file) ?? '').split('\n');
  const out: Fn[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:export )?(?:async )?function\*? (\w+)/.exec(lines[i]!);
    if (!m) continue;
    let end = i;
    while (end < lines.length && lines[end] !== '}') end++;
    out.push({ file, name: m[1]!, text: lines.slice(i, end + 1).join('\n') });
  }
  return out;
}

/** The src/aws modules a file imports (statically or with import()), as repo-relative paths. */
function awsImportsOf(file: string): string[] {
  const text = texts.get(file) ?? '';
  return [...text.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)]
    .map((m) => rel(normalize(join(REPO, dirname(file), m[1]!))))
    .filter((p) => p.startsWith('src/aws/') && texts.has(p));
}

const awsFunctions = new Map<string, Fn>();
for (const file of texts.keys()) if (file.startsWith('src/aws/')) for (const fn of functionsOf(file)) awsFunctions.set(`${file}#${fn.name}`, fn);

/** The IAM actions of the commands one function sends itself. */
function actionsIn(fn: Fn): string[] {
  const helpers = [...fn.text.matchAll(/\b(\w+)\(/g)].map((m) => HELPERS[m[1]!]).filter((h): h is string => h !== undefined);
  return [...fn.text.matchAll(/new sdk\.(\w+)Command\(/g)].flatMap((m) => {
    const op = m[1]!;
    let prefixes = Object.keys(sdks).filter((p) => `${op}Command` in sdks[p]!);
    if (prefixes.length > 1) prefixes = prefixes.filter((p) => helpers.includes(p));
    assert.equal(prefixes.length, 1, `${fn.file} ${fn.name}: cannot tell which service's ${op} this is (SDKs: ${prefixes.join(', ') || 'none'})`);
    const call = `${prefixes[0]}:${op}`;
    const actions = ACTION_OF[call] ?? [call];
    const versioned = VERSIONED[call];
    return versioned && /VersionId/.test(fn.text) ? [...actions, versioned] : actions;
  });
}

/** Every action reachable from the named functions, following calls within src/aws by name. */
function reachable(roots: readonly string[]): Map<string, string[]> {
  const seen = new Set<string>();
  const actions = new Map<string, string[]>();
  const queue = [...roots];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const fn = awsFunctions.get(id);
    if (!fn) continue;
    for (const a of actionsIn(fn)) actions.set(a, [...(actions.get(a) ?? []), id]);
    // A name defined in the function's own file means that one; otherwise one it imports.
    for (const m of fn.text.matchAll(/\b(\w+)\b/g)) {
      if (m[1] === fn.name) continue;
      if (awsFunctions.has(`${fn.file}#${m[1]}`)) queue.push(`${fn.file}#${m[1]}`);
      else for (const file of awsImportsOf(fn.file)) if (awsFunctions.has(`${file}#${m[1]}`)) queue.push(`${file}#${m[1]}`);
    }
  }
  return actions;
}

/** The src/aws functions that files outside src/aws (under `dirs`) name. */
function rootsFrom(dirs: readonly string[], exclude: Record<string, string[]> = {}): string[] {
  const roots: string[] = [];
  for (const [file, text] of texts) {
    if (!dirs.some((d) => file.startsWith(d)) || file.startsWith('src/aws/')) continue;
    for (const module of awsImportsOf(file)) {
      for (const fn of functionsOf(module)) {
        if (exclude[file]?.includes(fn.name)) continue;
        if (new RegExp(`\\b${fn.name}\\b`).test(text)) roots.push(`${module}#${fn.name}`);
      }
    }
  }
  return roots;
}

function allowed(policy: PolicyDocument): Set<string> {
  return new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));
}

const manager = buildNodePolicy({ cluster: 'prod', region: 'eu-north-1', bucket: 'futuswarm-prod-123456789012-eu-north-1', keyArn: 'arn:aws:kms:eu-north-1:123456789012:key/k' });
// The agent's code: what serves requests on a manager.
const agentCalls = reachable(
  rootsFrom(['src/agent/', 'src/state/', 'src/docker/', 'src/ldap/', 'src/core/'], {
    // `futuswarm-agent state:ensure` makes the bucket and key of a local cluster with the
    // operator's credentials; on AWS, bootstrap makes them with the admin's.
    'src/agent/main.ts': ['ensureKeyAlias', 'ensureStateBucket'],
  }),
);
const adminCalls = reachable(rootsFrom(['src/cli/', 'src/config/', 'src/admin/']));

/**
 * Actions AWS checks besides the call's own: tags given on create, a final snapshot on delete,
 * passing a role, the service-linked role a service makes on first use.
 */
const ALONGSIDE: Record<string, string[]> = {
  'rds:CreateDBInstance': ['rds:AddTagsToResource', 'iam:CreateServiceLinkedRole'],
  'rds:CreateDBSubnetGroup': ['rds:AddTagsToResource'],
  'rds:DeleteDBInstance': ['rds:CreateDBSnapshot'],
  'elasticache:CreateReplicationGroup': ['elasticache:AddTagsToResource', 'iam:CreateServiceLinkedRole'],
  'elasticache:CreateCacheSubnetGroup': ['elasticache:AddTagsToResource'],
  'ec2:RunInstances': ['iam:PassRole', 'ec2:CreateTags'],
  'ec2:AssociateIamInstanceProfile': ['iam:PassRole'],
  'ec2:ReplaceIamInstanceProfileAssociation': ['iam:PassRole'],
  'elasticloadbalancing:CreateLoadBalancer': ['elasticloadbalancing:AddTags', 'iam:CreateServiceLinkedRole'],
  'elasticloadbalancing:CreateTargetGroup': ['elasticloadbalancing:AddTags'],
  'elasticloadbalancing:CreateListener': ['elasticloadbalancing:AddTags'],
  'acm:RequestCertificate': ['acm:AddTagsToCertificate'],
  'iam:CreateRole': ['iam:TagRole'],
  'iam:CreateInstanceProfile': ['iam:TagInstanceProfile'],
  'kms:CreateKey': ['kms:TagResource'],
};
const withAlongside = (calls: Iterable<string>) => new Set([...calls].flatMap((a) => [a, ...(ALONGSIDE[a] ?? [])]));

test('the code reads as expected: AWS calls are found in the agent\'s and the admin\'s code', () => {
  // A scanner that finds nothing would pass every check below.
  for (const call of ['s3:PutObject', 's3:GetObject', 'kms:GenerateDataKey', 'kms:Decrypt', 'rds:CreateDBInstance', 'elasticache:CreateReplicationGroup']) {
    assert.ok(agentCalls.has(call), `the agent's calls lack ${call}: ${[...agentCalls.keys()].sort().join(' ')}`);
  }
  for (const call of ['ec2:RunInstances', 'iam:PutRolePolicy', 'elasticloadbalancing:CreateLoadBalancer', 's3:CreateBucket', 'kms:CreateKey']) {
    assert.ok(adminCalls.has(call), `the admin's calls lack ${call}`);
  }
  assert.ok(!agentCalls.has('ec2:RunInstances'), 'the agent never starts instances');
});

test('the manager role allows every call the agent can make', () => {
  const allow = allowed(manager);
  const missing = [...agentCalls].filter(([a]) => !allow.has(a)).map(([a, where]) => `${a} (${[...new Set(where)].join(', ')})`);
  assert.deepEqual(missing, []);
});

test('the manager role allows nothing the agent (or the cluster registry it runs) never calls', () => {
  const needed = new Set([...withAlongside(agentCalls.keys()), ...REGISTRY_MULTIPART_ACTIONS.bucket, ...REGISTRY_MULTIPART_ACTIONS.objects]);
  assert.deepEqual([...allowed(manager)].filter((a) => !needed.has(a)).sort(), []);
});

test('the admin policy allows every call cluster:bootstrap, status and destroy can make', () => {
  const allow = allowed(buildAdminPolicy());
  const missing = [...adminCalls].filter(([a]) => !allow.has(a)).map(([a, where]) => `${a} (${[...new Set(where)].join(', ')})`);
  assert.deepEqual(missing, []);
});

test('the admin policy allows nothing the admin\'s commands never call', () => {
  const needed = withAlongside(adminCalls.keys());
  assert.deepEqual([...allowed(buildAdminPolicy())].filter((a) => !needed.has(a)).sort(), []);
});
