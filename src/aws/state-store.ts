/**
 * The cluster's state bucket, behind a small port (`ObjectStore`) that the agent's repository
 * uses. Every write is conditional: If-None-Match `*` to create, If-Match on the ETag that was
 * read to replace or delete. A failed precondition is a `conflict` error, nothing else.
 */
import type { BucketLocationConstraint } from '@aws-sdk/client-s3';
import { FutuswarmError } from '../core/errors.ts';
import { httpStatus as status, isNetworkError } from './aws-errors.ts';
import { s3Client } from './clients.ts';

export interface StoredObject {
  body: Buffer;
  /** As S3 returns it, quotes included; hand it back unchanged as `ifMatch`. */
  etag: string;
  /** Undefined only when the bucket is not versioned. */
  versionId: string | undefined;
  lastModified: Date | undefined;
}

/** Create only if absent, or replace only the version that was read. */
export type PutCondition = { ifMatch: string } | { ifNoneMatch: '*' };
export type PutOptions = PutCondition & { contentType?: string };

export interface WriteResult {
  etag: string;
  versionId: string | undefined;
}

export interface ObjectSummary {
  key: string;
  etag: string | undefined;
  size: number | undefined;
  lastModified: Date | undefined;
}

export interface ObjectVersion {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  etag: string | undefined;
  size: number | undefined;
  lastModified: Date | undefined;
}

export interface ObjectStore {
  /** Undefined when the object (or that version) does not exist or is deleted. */
  get(key: string, options?: { versionId?: string }): Promise<StoredObject | undefined>;
  put(key: string, body: Uint8Array | string, options: PutOptions): Promise<WriteResult>;
  /**
   * Without `versionId` this hides the object behind a delete marker (history stays);
   * with it, that version is destroyed. `ifMatch` deletes only the version that was read.
   */
  delete(key: string, options?: { ifMatch?: string; versionId?: string }): Promise<void>;
  /** Current objects under `prefix`, in key order; `startAfter` skips keys up to and including it. */
  list(prefix: string, options?: { startAfter?: string }): Promise<ObjectSummary[]>;
  /**
   * Every version and delete marker of `key`, newest first (or of every key under it with
   * `prefix: true`, grouped by key).
   */
  versions(key: string, options?: { prefix?: boolean }): Promise<ObjectVersion[]>;
}

export interface S3Options {
  /** Defaults to the SDK's own resolution (AWS_REGION, profile, instance metadata). */
  region?: string;
}

// Loaded on first use: the SDK is large and most CLI commands never touch S3.
const s3 = (options: S3Options = {}) => s3Client(options.region ?? '');

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : 'Error';
}

function isPreconditionFailure(e: unknown): boolean {
  const name = errorName(e);
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status(e) === 412;
}

function isNotFound(e: unknown): boolean {
  const name = errorName(e);
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchVersion' || status(e) === 404;
}

function translate(e: unknown, action: string, bucket: string, key?: string): FutuswarmError {
  if (e instanceof FutuswarmError) return e;
  const where = key === undefined ? `s3://${bucket}` : `s3://${bucket}/${key}`;
  const name = errorName(e);
  const text = e instanceof Error ? e.message : String(e);
  if (name === 'NoSuchBucket') {
    return new FutuswarmError('config', `state bucket ${bucket} does not exist`, {
      hint: 'check the bucket in the agent config, or create it: futuswarm admin cluster:bootstrap',
      cause: e,
    });
  }
  if (name === 'AccessDenied' || status(e) === 403) {
    return new FutuswarmError('config', `AWS denied ${action} on ${where}`, {
      hint: "check the agent's IAM role, the bucket policy and the KMS key policy",
      cause: e,
    });
  }
  if (name === 'SlowDown' || name === 'ServiceUnavailable' || name === 'InternalError' || status(e) === 503) {
    return new FutuswarmError('unavailable', `S3 did not answer ${action} on ${where} (${name})`, { cause: e });
  }
  if (isNetworkError(e)) {
    return new FutuswarmError('unavailable', `S3 could not be reached for ${action} on ${where}: ${text}`, { cause: e });
  }
  return new FutuswarmError('aws', `S3 ${action} on ${where} failed: ${name}: ${text}`, { cause: e });
}

function conflict(bucket: string, key: string, cause: unknown): FutuswarmError {
  return new FutuswarmError('conflict', `s3://${bucket}/${key} was changed by someone else since it was read`, {
    details: { key },
    cause,
  });
}

/** The ObjectStore port over one S3 bucket. `pageSize` caps keys per list request (S3: 1000). */
export function s3ObjectStore(bucket: string, options: S3Options & { pageSize?: number } = {}): ObjectStore {
  return {
    async get(key, getOptions = {}) {
      const { sdk, client } = await s3(options);
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key, VersionId: getOptions.versionId }));
        const body = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
        return { body, etag: out.ETag ?? '', versionId: out.VersionId, lastModified: out.LastModified };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        // A version id that is a delete marker (405) or malformed (400) names nothing readable.
        if (getOptions.versionId !== undefined && (status(e) === 405 || errorName(e) === 'InvalidArgument')) return undefined;
        throw translate(e, 's3:GetObject', bucket, key);
      }
    },

    async put(key, body, putOptions) {
      const { sdk, client } = await s3(options);
      const condition = 'ifMatch' in putOptions ? { IfMatch: putOptions.ifMatch } : { IfNoneMatch: putOptions.ifNoneMatch };
      try {
        const out = await client.send(
          new sdk.PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
            ContentType: putOptions.contentType ?? 'application/json',
            ...condition,
          }),
        );
        return { etag: out.ETag ?? '', versionId: out.VersionId };
      } catch (e) {
        // If-Match on an object deleted since it was read answers 404: also a lost race.
        if (isPreconditionFailure(e) || ('ifMatch' in putOptions && isNotFound(e))) throw conflict(bucket, key, e);
        throw translate(e, 's3:PutObject', bucket, key);
      }
    },

    async delete(key, deleteOptions = {}) {
      const { sdk, client } = await s3(options);
      try {
        await client.send(
          new sdk.DeleteObjectCommand({
            Bucket: bucket,
            Key: key,
            VersionId: deleteOptions.versionId,
            IfMatch: deleteOptions.ifMatch,
          }),
        );
      } catch (e) {
        if (deleteOptions.ifMatch !== undefined && (isPreconditionFailure(e) || isNotFound(e))) throw conflict(bucket, key, e);
        throw translate(e, 's3:DeleteObject', bucket, key);
      }
    },

    async list(prefix, listOptions = {}) {
      const { sdk, client } = await s3(options);
      const out: ObjectSummary[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await client.send(
            new sdk.ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              StartAfter: token === undefined ? listOptions.startAfter : undefined,
              ContinuationToken: token,
              MaxKeys: options.pageSize,
            }),
          );
          for (const o of page.Contents ?? []) {
            if (o.Key === undefined) continue;
            out.push({ key: o.Key, etag: o.ETag, size: o.Size, lastModified: o.LastModified });
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } catch (e) {
        throw translate(e, 's3:ListObjectsV2', bucket, prefix);
      }
      return out;
    },

    async versions(key, versionOptions = {}) {
      const { sdk, client } = await s3(options);
      const found: ObjectVersion[] = [];
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      try {
        do {
          const page = await client.send(
            new sdk.ListObjectVersionsCommand({
              Bucket: bucket,
              Prefix: key,
              KeyMarker: keyMarker,
              VersionIdMarker: versionIdMarker,
              MaxKeys: options.pageSize,
            }),
          );
          for (const v of page.Versions ?? []) {
            if (v.Key === undefined || v.VersionId === undefined) continue;
            found.push({
              key: v.Key,
              versionId: v.VersionId,
              isLatest: v.IsLatest === true,
              deleteMarker: false,
              etag: v.ETag,
              size: v.Size,
              lastModified: v.LastModified,
            });
          }
          for (const m of page.DeleteMarkers ?? []) {
            if (m.Key === undefined || m.VersionId === undefined) continue;
            found.push({
              key: m.Key,
              versionId: m.VersionId,
              isLatest: m.IsLatest === true,
              deleteMarker: true,
              etag: undefined,
              size: undefined,
              lastModified: m.LastModified,
            });
          }
          const more = page.IsTruncated === true;
          keyMarker = more ? page.NextKeyMarker : undefined;
          versionIdMarker = more ? page.NextVersionIdMarker : undefined;
        } while (keyMarker);
      } catch (e) {
        throw translate(e, 's3:ListObjectVersions', bucket, key);
      }
      const wanted = versionOptions.prefix ? found : found.filter((v) => v.key === key);
      // The SDK returns versions and delete markers as two lists; merge them back, newest first.
      const time = (v: ObjectVersion): number => v.lastModified?.getTime() ?? 0;
      return wanted
        .map((v, i) => ({ v, i }))
        .sort(
          (a, b) =>
            (a.v.key < b.v.key ? -1 : a.v.key > b.v.key ? 1 : 0) ||
            Number(b.v.isLatest) - Number(a.v.isLatest) ||
            time(b.v) - time(a.v) ||
            a.i - b.i,
        )
        .map(({ v }) => v);
    },
  };
}

export interface StateBucketOptions extends S3Options {
  /** KMS key (id, ARN or alias) for default encryption; without it, SSE-S3 (AES256). */
  kmsKeyId?: string;
  tags?: Record<string, string>;
}

/**
 * Make sure the state bucket exists and is versioned, encrypted by default and closed to the
 * public. Idempotent: settings are re-applied every time, so a drifted bucket is repaired.
 */
export async function ensureStateBucket(bucket: string, options: StateBucketOptions = {}): Promise<{ created: boolean }> {
  const { sdk, client } = await s3(options);
  let created = false;
  try {
    await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if (!isNotFound(e)) throw translate(e, 's3:HeadBucket', bucket);
    const region = options.region ?? (await client.config.region());
    try {
      await client.send(
        new sdk.CreateBucketCommand({
          Bucket: bucket,
          // us-east-1 is the one region that must not be named.
          ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      );
      created = true;
    } catch (createError) {
      if (errorName(createError) === 'BucketAlreadyExists') {
        throw new FutuswarmError('config', `bucket name ${bucket} is taken by another AWS account`, {
          hint: 'choose another state bucket name in the cluster file',
          cause: createError,
        });
      }
      if (errorName(createError) !== 'BucketAlreadyOwnedByYou') throw translate(createError, 's3:CreateBucket', bucket);
    }
  }
  try {
    await client.send(
      new sdk.PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await client.send(
      new sdk.PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await client.send(
      new sdk.PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            options.kmsKeyId
              ? {
                  ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: options.kmsKeyId },
                  BucketKeyEnabled: true,
                }
              : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
      }),
    );
    if (options.tags && Object.keys(options.tags).length > 0) {
      await client.send(
        new sdk.PutBucketTaggingCommand({
          Bucket: bucket,
          Tagging: { TagSet: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
    }
  } catch (e) {
    throw translate(e, 'configuring', bucket);
  }
  return { created };
}
