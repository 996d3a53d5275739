/**
 * The upload half of `admin agent:upgrade`, run on the admin's machine with their AWS
 * credentials: the agent bundle this CLI carries goes to the state bucket (as cluster:bootstrap
 * puts it there), unless the bucket already holds a bundle of the same content hash. The nodes
 * then install it themselves (src/agent/ops/admin-agent-upgrade.ts).
 */
import type { ClusterConfig } from '../config/cluster-file.ts';
import { statSync } from 'node:fs';
import { awsFailure } from '../aws/aws-errors.ts';
import { callerAccountId } from '../aws/account.ts';
import { uploadAgentBundle } from '../aws/agent-bundle.ts';
import { s3Admin } from '../aws/clients.ts';
import { BUNDLE_HASH_METADATA, shortHash } from '../core/agent-bundle.ts';
import { keyAliasName, stateBucketName } from '../core/plan-names.ts';
import { describeAgentBundle } from './bootstrap.ts';

export interface BundleInBucket {
  /** Its content hash: what every node checks it installed. */
  bundle: string;
  /** Whether this run uploaded it (false: the bucket held it already). */
  uploaded: boolean;
  location: string;
  bytes: number;
}

export async function ensureBundleInBucket(config: ClusterConfig, onProgress: (message: string) => void): Promise<BundleInBucket> {
  const { files, contentHash } = describeAgentBundle(config, 'required');
  if (contentHash === null) throw new Error('describeAgentBundle gave no hash in required mode');
  const bytes = files.reduce((sum, f) => sum + ('text' in f.source ? Buffer.byteLength(f.source.text) : statSync(f.source.file).size), 0);
  const bucket = stateBucketName(config, config.state.bucket === undefined ? await callerAccountId(config.region) : '');
  const key = config.agent.bundleKey;
  const location = `s3://${bucket}/${key}`;
  onProgress(`agent bundle ${shortHash(contentHash)}: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB`);
  const { sdk, client } = await s3Admin(config.region);
  let current: string | undefined;
  try {
    const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
    current = head.Metadata?.[BUNDLE_HASH_METADATA];
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name !== 'NotFound' && name !== 'NoSuchKey') throw awsFailure(e, 's3:HeadObject', location);
  }
  if (current === contentHash) return { bundle: contentHash, uploaded: false, location, bytes };
  onProgress(`packing and uploading it to ${location}`);
  await uploadAgentBundle(config.region, {
    kind: 'agent-bundle',
    name: 'agent-bundle',
    tags: {},
    bucket,
    key,
    encryptionKey: keyAliasName(config.name),
    contentHash,
    files,
  });
  return { bundle: contentHash, uploaded: true, location, bytes };
}
