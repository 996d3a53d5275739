/** Which AWS account the admin's credentials belong to, and where a cluster keeps its state there. */
import type { ClusterStateScope } from '../config/cluster-file.ts';
import { FutuswarmError } from '../core/errors.ts';
import { keyAliasName, stateBucketName } from '../core/plan-names.ts';
import { call } from './aws-errors.ts';
import { sts } from './clients.ts';

export async function callerAccountId(region: string): Promise<string> {
  const { sdk, client } = await sts(region);
  const out = await call('sts:GetCallerIdentity', 'the AWS credentials in use', () => client.send(new sdk.GetCallerIdentityCommand({})), {
    hint: 'set AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the account that hosts the cluster',
  });
  if (out.Account === undefined) throw new FutuswarmError('aws', 'sts:GetCallerIdentity returned no account');
  return out.Account;
}

export interface ClusterLocation {
  accountId: string;
  bucket: string;
  keyAlias: string;
}

export async function clusterLocation(config: ClusterStateScope): Promise<ClusterLocation> {
  const accountId = await callerAccountId(config.region);
  return { accountId, bucket: stateBucketName(config, accountId), keyAlias: keyAliasName(config.name) };
}
