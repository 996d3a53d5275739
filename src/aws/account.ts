/** Which AWS account the admin's credentials belong to, and where a cluster keeps its state there. */
import type { ClusterStateScope } from '../config/cluster-file.ts';
import { FutuswarmError } from '../core/errors.ts';
import { keyAliasName, stateBucketName } from '../core/plan-names.ts';
import { call } from './aws-errors.ts';
import { sts } from './clients.ts';

/** The account and the identity (ARN) of the AWS credentials in use. */
export async function callerIdentity(region: string): Promise<{ accountId: string; arn: string }> {
  const { sdk, client } = await sts(region);
  const out = await call('sts:GetCallerIdentity', 'the AWS credentials in use', () => client.send(new sdk.GetCallerIdentityCommand({})), {
    hint: 'set AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the account that hosts the cluster',
  });
  if (out.Account === undefined) throw new FutuswarmError('aws', 'sts:GetCallerIdentity returned no account');
  return { accountId: out.Account, arn: out.Arn ?? 'unknown' };
}

export async function callerAccountId(region: string): Promise<string> {
  return (await callerIdentity(region)).accountId;
}

export interface ClusterLocation {
  accountId: string;
  bucket: string;
  keyAlias: string;
}

export async function clusterLocation(config: ClusterStateScope): Promise<ClusterLocation & { caller: string }> {
  const { accountId, arn } = await callerIdentity(config.region);
  return { accountId, caller: arn, bucket: stateBucketName(config, accountId), keyAlias: keyAliasName(config.name) };
}
