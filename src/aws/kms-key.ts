/**
 * KMS adapter for the admin side: the cluster key and its alias as bootstrap resources.
 * (Data keys and decryption for app secrets are in kms.ts.)
 */
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ObservedResource, ResourceIds } from '../core/plan-resources.ts';
import { TAG_CLUSTER, TAG_ROLE } from '../core/plan-names.ts';
import { awsFailure, call, callOrUndefined, isAwsError } from './aws-errors.ts';
import { kmsAdmin } from './clients.ts';

export interface KmsContext {
  region: string;
}

const UNUSABLE = new Set(['PendingDeletion', 'PendingReplicaDeletion', 'Unavailable']);

async function keyTags(region: string, keyId: string): Promise<Record<string, string> | undefined> {
  const { sdk, client } = await kmsAdmin(region);
  try {
    const out = await client.send(new sdk.ListResourceTagsCommand({ KeyId: keyId }));
    return Object.fromEntries((out.Tags ?? []).map((t) => [t.TagKey ?? '', t.TagValue ?? '']));
  } catch (e) {
    // AWS managed keys and keys of others may refuse: they are not ours anyway.
    if (isAwsError(e, 'AccessDeniedException', 'NotFoundException')) return undefined;
    throw awsFailure(e, 'kms:ListResourceTags', `key ${keyId}`);
  }
}

async function observeKey(region: string, keyId: string): Promise<ObservedResource | undefined> {
  const { sdk, client } = await kmsAdmin(region);
  const meta = (await call('kms:DescribeKey', `key ${keyId}`, () => client.send(new sdk.DescribeKeyCommand({ KeyId: keyId })))).KeyMetadata;
  if (meta?.KeyId === undefined || UNUSABLE.has(meta.KeyState ?? '')) return undefined;
  const rotation = await callOrUndefined('kms:GetKeyRotationStatus', `key ${keyId}`, ['AccessDeniedException'], () =>
    client.send(new sdk.GetKeyRotationStatusCommand({ KeyId: meta.KeyId })),
  );
  const policy = await callOrUndefined('kms:GetKeyPolicy', `key ${keyId}`, ['AccessDeniedException'], () =>
    client.send(new sdk.GetKeyPolicyCommand({ KeyId: meta.KeyId, PolicyName: 'default' })),
  );
  return {
    kind: 'kms-key',
    name: 'key',
    id: meta.KeyId,
    ...(meta.Arn === undefined ? {} : { arn: meta.Arn }),
    ...(meta.KeyState === undefined ? {} : { state: meta.KeyState }),
    props: { rotation: rotation?.KeyRotationEnabled ?? false, policy: policy?.Policy ? (JSON.parse(policy.Policy) as unknown) : null },
  };
}

/** Tagged keys of the cluster, for when the alias is missing (a run interrupted between key and alias). */
async function findTaggedKey(region: string, cluster: string): Promise<ObservedResource | undefined> {
  const { sdk, client } = await kmsAdmin(region);
  let marker: string | undefined;
  do {
    const page = await call('kms:ListKeys', 'keys', () => client.send(new sdk.ListKeysCommand({ ...(marker === undefined ? {} : { Marker: marker }) })));
    for (const k of page.Keys ?? []) {
      if (k.KeyId === undefined) continue;
      const tags = await keyTags(region, k.KeyId);
      if (tags?.[TAG_CLUSTER] !== cluster || tags[TAG_ROLE] !== 'key') continue;
      const observed = await observeKey(region, k.KeyId);
      if (observed !== undefined) return observed;
    }
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker !== undefined);
  return undefined;
}

export async function observeKms(region: string, cluster: string, aliasName: string): Promise<ObservedResource[]> {
  const { sdk, client } = await kmsAdmin(region);
  const byAlias = await callOrUndefined('kms:DescribeKey', aliasName, ['NotFoundException'], () => client.send(new sdk.DescribeKeyCommand({ KeyId: aliasName })));
  const target = byAlias?.KeyMetadata?.KeyId;
  if (target === undefined) {
    const key = await findTaggedKey(region, cluster);
    return key === undefined ? [] : [key];
  }
  const tags = await keyTags(region, target);
  if (tags?.[TAG_CLUSTER] !== cluster) {
    const owner = tags?.[TAG_CLUSTER];
    return [{ kind: 'kms-alias', name: 'key-alias', id: aliasName, foreign: `KMS alias ${aliasName} already exists and points to a key ${owner ? `of cluster ${owner}` : 'not tagged for this cluster'}`, props: {} }];
  }
  const alias: ObservedResource = { kind: 'kms-alias', name: 'key-alias', id: aliasName, props: { targetKey: target } };
  const key = await observeKey(region, target);
  // The alias still names a key that is being deleted: a new key is needed and the alias moves to it.
  if (key !== undefined) return [alias, key];
  const replacement = await findTaggedKey(region, cluster);
  return replacement === undefined ? [alias] : [alias, replacement];
}

export async function createKey(ctx: KmsContext, spec: ResolvedOf<'kms-key'>): Promise<ResourceIds> {
  const { sdk, client } = await kmsAdmin(ctx.region);
  const out = await call('kms:CreateKey', 'the cluster key', () =>
    client.send(
      new sdk.CreateKeyCommand({
        Description: spec.description,
        Policy: JSON.stringify(spec.policy),
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        Tags: Object.entries(spec.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      }),
    ),
  );
  const meta = out.KeyMetadata;
  if (meta?.KeyId === undefined) throw new FutuswarmError('aws', 'kms:CreateKey returned no key');
  await enableKeyRotation(ctx, meta.KeyId);
  return { id: meta.KeyId, ...(meta.Arn === undefined ? {} : { arn: meta.Arn }) };
}

/** Bring an existing key in line: its own policy (replacing the account default) and rotation. */
export async function updateKey(ctx: KmsContext, keyId: string, spec: ResolvedOf<'kms-key'>, current: { rotation?: unknown; policy?: unknown }): Promise<void> {
  if (JSON.stringify(current.policy) !== JSON.stringify(spec.policy)) {
    const { sdk, client } = await kmsAdmin(ctx.region);
    await call('kms:PutKeyPolicy', `key ${keyId}`, () => client.send(new sdk.PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(spec.policy) })));
  }
  if (current.rotation !== true) await enableKeyRotation(ctx, keyId);
}

export async function enableKeyRotation(ctx: KmsContext, keyId: string): Promise<void> {
  const { sdk, client } = await kmsAdmin(ctx.region);
  await call('kms:EnableKeyRotation', `key ${keyId}`, () => client.send(new sdk.EnableKeyRotationCommand({ KeyId: keyId })));
}

/** Keys cannot be deleted at once: AWS deletes it after 7 days, during which it can be restored. */
export async function scheduleKeyDeletion(ctx: KmsContext, keyId: string): Promise<void> {
  const { sdk, client } = await kmsAdmin(ctx.region);
  try {
    await client.send(new sdk.ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
  } catch (e) {
    if (isAwsError(e, 'NotFoundException', 'KMSInvalidStateException')) return;
    throw awsFailure(e, 'kms:ScheduleKeyDeletion', `key ${keyId}`);
  }
}

export async function createAlias(ctx: KmsContext, spec: ResolvedOf<'kms-alias'>): Promise<ResourceIds> {
  const { sdk, client } = await kmsAdmin(ctx.region);
  await call('kms:CreateAlias', spec.aliasName, () => client.send(new sdk.CreateAliasCommand({ AliasName: spec.aliasName, TargetKeyId: spec.targetKey })), {
    hint: `the alias ${spec.aliasName} exists for a key of another cluster or person; delete it (aws kms delete-alias --alias-name ${spec.aliasName}) and run the same command again`,
  });
  return { id: spec.aliasName };
}

export async function updateAlias(ctx: KmsContext, spec: ResolvedOf<'kms-alias'>): Promise<ResourceIds> {
  const { sdk, client } = await kmsAdmin(ctx.region);
  await call('kms:UpdateAlias', spec.aliasName, () => client.send(new sdk.UpdateAliasCommand({ AliasName: spec.aliasName, TargetKeyId: spec.targetKey })));
  return { id: spec.aliasName };
}

export async function deleteAlias(ctx: KmsContext, aliasName: string): Promise<void> {
  const { sdk, client } = await kmsAdmin(ctx.region);
  await callOrUndefined('kms:DeleteAlias', aliasName, ['NotFoundException'], () => client.send(new sdk.DeleteAliasCommand({ AliasName: aliasName })));
}
