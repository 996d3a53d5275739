/** Reads every version of every object in the local cluster's state bucket (moto). */
import { awsTestEnv } from './moto.ts';

export const LOCAL_BUCKET = 'futuswarm-local-state';

export async function allObjectBodies(bucket = LOCAL_BUCKET): Promise<{ key: string; versionId: string; body: Buffer }[]> {
  const env = awsTestEnv();
  const { S3Client, ListObjectVersionsCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' },
  });
  const out: { key: string; versionId: string; body: Buffer }[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
    for (const v of page.Versions ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
      out.push({ key: v.Key ?? '', versionId: v.VersionId ?? '', body: Buffer.from(await got.Body!.transformToByteArray()) });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  s3.destroy();
  return out;
}
