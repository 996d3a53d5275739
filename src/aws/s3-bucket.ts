/**
 * S3 adapter for the admin side: the state bucket as a bootstrap resource (versioned,
 * encrypted with the cluster key, public access blocked, TLS only) and the few objects the
 * cluster itself keeps there (state.json, generated master passwords, the node key).
 * (App state goes through the conditional-write store in state-store.ts.)
 */
import type { BucketLocationConstraint } from '@aws-sdk/client-s3';
import { REGISTRY_STORAGE_PREFIX } from '../core/registry-spec.ts';
import { BUNDLE_HASH_METADATA } from '../core/agent-bundle.ts';
import { parseEnvelope } from '../core/envelope.ts';
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ObservedResource, ResourceIds } from '../core/plan-resources.ts';
import { fromAwsTags, partitionOf, TAG_CLUSTER, toAwsTags } from '../core/plan-names.ts';
import { parseSshPublicKey } from '../core/ssh-public-key.ts';
import { awsFailure, call, httpStatus, isAwsError } from './aws-errors.ts';
import { s3Admin } from './clients.ts';

export interface S3Context {
  region: string;
}

const TLS_ONLY_SID = 'DenyInsecureTransport';
/** The lifecycle rule that expires the registry's old versions within a day. */
const REGISTRY_VERSIONS_RULE = 'futuswarm-registry-versions';
/** The lifecycle rule that expires old object versions (cluster file state.oldVersionDays). */
const OLD_VERSIONS_RULE = 'futuswarm-old-versions';

export function bucketPolicy(bucket: string, region: string): Record<string, unknown> {
  const arn = `arn:${partitionOf(region)}:s3:::${bucket}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: TLS_ONLY_SID,
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

async function optional<T>(fn: () => Promise<T>, absent: string[], action: string, what: string): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isAwsError(e, ...absent)) return undefined;
    throw awsFailure(e, action, what);
  }
}

/** The bucket, and when it is ours the cluster objects in it. */
export async function observeBucket(
  region: string,
  cluster: string,
  bucket: string,
  objects: { state: string; secrets: { name: string; key: string }[]; agentBundle: string; nodeKey: string },
): Promise<ObservedResource[]> {
  const { sdk, client } = await s3Admin(region);
  const what = `bucket ${bucket}`;
  try {
    await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    const status = httpStatus(e);
    if (status === 404 || isAwsError(e, 'NotFound', 'NoSuchBucket')) return [];
    if (status === 403 || status === 301) {
      return [{ kind: 's3-bucket', name: 'bucket', id: bucket, foreign: `the bucket name ${bucket} is taken by another AWS account (or region); set state.bucket in the cluster file`, props: {} }];
    }
    throw awsFailure(e, 's3:HeadBucket', what);
  }
  const tagging = await optional(() => client.send(new sdk.GetBucketTaggingCommand({ Bucket: bucket })), ['NoSuchTagSet', 'NoSuchTagSetError'], 's3:GetBucketTagging', what);
  const tags = fromAwsTags(tagging?.TagSet);
  if (tags[TAG_CLUSTER] !== cluster) {
    const owner = tags[TAG_CLUSTER];
    return [{ kind: 's3-bucket', name: 'bucket', id: bucket, foreign: `bucket ${bucket} already exists and ${owner ? `belongs to cluster ${owner}` : 'is not tagged for this cluster'}`, props: {} }];
  }
  const [versioning, encryption, access, policy, lifecycle] = await Promise.all([
    call('s3:GetBucketVersioning', what, () => client.send(new sdk.GetBucketVersioningCommand({ Bucket: bucket }))),
    optional(() => client.send(new sdk.GetBucketEncryptionCommand({ Bucket: bucket })), ['ServerSideEncryptionConfigurationNotFoundError'], 's3:GetBucketEncryption', what),
    optional(() => client.send(new sdk.GetPublicAccessBlockCommand({ Bucket: bucket })), ['NoSuchPublicAccessBlockConfiguration'], 's3:GetPublicAccessBlock', what),
    optional(() => client.send(new sdk.GetBucketPolicyCommand({ Bucket: bucket })), ['NoSuchBucketPolicy'], 's3:GetBucketPolicy', what),
    optional(() => client.send(new sdk.GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), ['NoSuchLifecycleConfiguration'], 's3:GetLifecycleConfiguration', what),
  ]);
  const oldVersions = lifecycle?.Rules?.find((r) => r.ID === OLD_VERSIONS_RULE && r.Status === 'Enabled')?.NoncurrentVersionExpiration?.NoncurrentDays ?? null;
  const rule = encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  const block = access?.PublicAccessBlockConfiguration;
  const statements = policy?.Policy ? ((JSON.parse(policy.Policy) as { Statement?: { Sid?: string }[] }).Statement ?? []) : [];
  const out: ObservedResource[] = [
    {
      kind: 's3-bucket',
      name: 'bucket',
      id: bucket,
      props: {
        versioning: versioning.Status ?? 'Disabled',
        encryptionKey: rule?.SSEAlgorithm === 'aws:kms' ? (rule.KMSMasterKeyID ?? null) : null,
        publicAccessBlocked: Boolean(block?.BlockPublicAcls && block.BlockPublicPolicy && block.IgnorePublicAcls && block.RestrictPublicBuckets),
        tlsOnlyPolicy: statements.some((s) => s.Sid === TLS_ONLY_SID),
        oldVersionDays: oldVersions,
      },
    },
  ];
  const state = await readJsonObject(region, bucket, objects.state);
  if (state !== undefined) out.push({ kind: 'state-object', name: 'state', id: objects.state, props: { content: state } });
  for (const secret of objects.secrets) {
    if (await objectExists(region, bucket, secret.key)) out.push({ kind: 'secret-object', name: secret.name, id: secret.key, props: {} });
  }
  const bundle = await optional(() => client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: objects.agentBundle })), ['NotFound', 'NoSuchKey'], 's3:HeadObject', `s3://${bucket}/${objects.agentBundle}`);
  if (bundle !== undefined) {
    out.push({ kind: 'agent-bundle', name: 'agent-bundle', id: objects.agentBundle, props: { contentHash: bundle.Metadata?.[BUNDLE_HASH_METADATA] ?? null } });
  }
  const publicKey = await readNodePublicKey(region, bucket, objects.nodeKey);
  if (publicKey !== undefined) out.push({ kind: 'node-key', name: 'node-key', id: objects.nodeKey, publicKey, props: {} });
  return out;
}

/**
 * The public half of the sealed node key, from the envelope's plaintext meta: no KMS call, so
 * planning and cluster:status never decrypt it.
 */
async function readNodePublicKey(region: string, bucket: string, key: string): Promise<string | undefined> {
  const stored = await readJsonObject(region, bucket, key);
  if (stored === undefined) return undefined;
  const publicKey = parseEnvelope(stored, `s3://${bucket}/${key}`).meta.publicKey;
  if (typeof publicKey !== 'string' || parseSshPublicKey(publicKey) === undefined) {
    throw new FutuswarmError('aws', `s3://${bucket}/${key} does not name the node key's public half`, {
      hint: 'it is written only by futuswarm; restore an earlier version of it',
    });
  }
  return publicKey;
}

export async function createBucket(ctx: S3Context, spec: ResolvedOf<'s3-bucket'>): Promise<ResourceIds> {
  const { sdk, client } = await s3Admin(ctx.region);
  await call(
    's3:CreateBucket',
    `bucket ${spec.bucketName}`,
    () =>
      client.send(
        new sdk.CreateBucketCommand({
          Bucket: spec.bucketName,
          // us-east-1 is the default location and must not be named.
          ...(spec.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: spec.region as BucketLocationConstraint } }),
        }),
      ),
    { hint: 'the bucket name is taken; set state.bucket in the cluster file to another name, or tag your own bucket with futuswarm:cluster to adopt it' },
  );
  await call('s3:PutBucketTagging', `bucket ${spec.bucketName}`, () =>
    client.send(new sdk.PutBucketTaggingCommand({ Bucket: spec.bucketName, Tagging: { TagSet: toAwsTags(spec.tags) } })),
  );
  await configureBucket(ctx, spec);
  return { id: spec.bucketName };
}

/** Versioning, default encryption with the cluster key, no public access, TLS only (unless turned off). */
export async function configureBucket(ctx: S3Context, spec: ResolvedOf<'s3-bucket'>): Promise<ResourceIds> {
  const { sdk, client } = await s3Admin(ctx.region);
  const Bucket = spec.bucketName;
  const what = `bucket ${Bucket}`;
  await call('s3:PutPublicAccessBlock', what, () =>
    client.send(
      new sdk.PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      }),
    ),
  );
  await call('s3:PutBucketVersioning', what, () => client.send(new sdk.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } })));
  await call('s3:PutBucketEncryption', what, () =>
    client.send(
      new sdk.PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: spec.encryptionKey }, BucketKeyEnabled: true }],
        },
      }),
    ),
  );
  // Replaced and deleted versions (old secrets, releases overwritten by nothing, lock objects)
  // would pile up forever; current versions never expire.
  await call('s3:PutLifecycleConfiguration', what, () =>
    client.send(
      new sdk.PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: OLD_VERSIONS_RULE,
              Status: 'Enabled',
              Filter: { Prefix: '' },
              NoncurrentVersionExpiration: { NoncurrentDays: spec.oldVersionDays },
              Expiration: { ExpiredObjectDeleteMarker: true },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            },
            {
              // The registry rewrites upload state as layers arrive and deletes what it prunes:
              // its replaced versions are worth nothing after a day.
              ID: REGISTRY_VERSIONS_RULE,
              Status: 'Enabled',
              Filter: { Prefix: `${REGISTRY_STORAGE_PREFIX}/` },
              NoncurrentVersionExpiration: { NoncurrentDays: 1 },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      }),
    ),
  );
  if (spec.requireTls) {
    await call('s3:PutBucketPolicy', what, () => client.send(new sdk.PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(bucketPolicy(Bucket, spec.region)) })));
  } else {
    await call('s3:DeleteBucketPolicy', what, () => client.send(new sdk.DeleteBucketPolicyCommand({ Bucket })));
  }
  return { id: Bucket };
}

/** Remove every version of every object, then the bucket. */
export async function deleteBucket(ctx: S3Context, bucket: string): Promise<void> {
  const { sdk, client } = await s3Admin(ctx.region);
  const what = `bucket ${bucket}`;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await optional(
      () => client.send(new sdk.ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionMarker })),
      ['NoSuchBucket'],
      's3:ListObjectVersions',
      what,
    );
    if (page === undefined) return;
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap((v) => (v.Key === undefined ? [] : [{ Key: v.Key, VersionId: v.VersionId }]));
    if (objects.length > 0) {
      const out = await call('s3:DeleteObjects', what, () => client.send(new sdk.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } })));
      if ((out.Errors ?? []).length > 0) {
        const first = out.Errors![0]!;
        throw new FutuswarmError('aws', `s3:DeleteObjects failed for ${first.Key} in ${what}: ${first.Code}: ${first.Message}`);
      }
    }
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
  await optional(() => client.send(new sdk.DeleteBucketCommand({ Bucket: bucket })), ['NoSuchBucket'], 's3:DeleteBucket', what);
}

export async function objectExists(region: string, bucket: string, key: string): Promise<boolean> {
  const { sdk, client } = await s3Admin(region);
  try {
    await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if (httpStatus(e) === 404 || isAwsError(e, 'NotFound', 'NoSuchKey')) return false;
    throw awsFailure(e, 's3:HeadObject', `s3://${bucket}/${key}`);
  }
}

export async function readJsonObject(region: string, bucket: string, key: string): Promise<unknown> {
  const { sdk, client } = await s3Admin(region);
  const where = `s3://${bucket}/${key}`;
  let text: string;
  try {
    const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await out.Body?.transformToString('utf8')) ?? '';
  } catch (e) {
    if (httpStatus(e) === 404 || isAwsError(e, 'NoSuchKey', 'NotFound')) return undefined;
    throw awsFailure(e, 's3:GetObject', where);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new FutuswarmError('aws', `${where} is not JSON`, { hint: 'it is written only by futuswarm; restore an earlier version of it' });
  }
}

/** Write JSON encrypted with the cluster key. `onlyIfAbsent` never replaces an existing object. */
export async function writeJsonObject(
  region: string,
  target: { bucket: string; key: string; keyArn: string },
  content: unknown,
  options: { onlyIfAbsent?: boolean } = {},
): Promise<'written' | 'exists'> {
  const { sdk, client } = await s3Admin(region);
  try {
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        Body: `${JSON.stringify(content, null, 2)}\n`,
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: target.keyArn,
        ...(options.onlyIfAbsent ? { IfNoneMatch: '*' } : {}),
      }),
    );
    return 'written';
  } catch (e) {
    if (options.onlyIfAbsent && (httpStatus(e) === 412 || isAwsError(e, 'PreconditionFailed'))) return 'exists';
    throw awsFailure(e, 's3:PutObject', `s3://${target.bucket}/${target.key}`);
  }
}

export async function deleteObject(region: string, bucket: string, key: string): Promise<void> {
  const { sdk, client } = await s3Admin(region);
  await optional(() => client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key })), ['NoSuchKey', 'NoSuchBucket'], 's3:DeleteObject', `s3://${bucket}/${key}`);
}

/** Delete every current object under `prefix` (their history stays, as deleteObject leaves it). */
export async function deleteObjectsUnder(region: string, bucket: string, prefix: string): Promise<number> {
  const { sdk, client } = await s3Admin(region);
  const out = await call('s3:ListBucket', `s3://${bucket}/${prefix}`, () => client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix })));
  const keys = (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
  for (const key of keys) await deleteObject(region, bucket, key);
  return keys.length;
}
