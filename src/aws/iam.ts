/** IAM adapter: the nodes' roles (managers', workers'), their inline policies and instance profiles. */
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ObservedResource, ResourceIds } from '../core/plan-resources.ts';
import { fromAwsTags, TAG_CLUSTER, toAwsTags } from '../core/plan-names.ts';
import { awsFailure, call, callOrUndefined, isAwsError } from './aws-errors.ts';
import { iam } from './clients.ts';

export interface IamContext {
  region: string;
}

function parsePolicy(doc: string | undefined): unknown {
  if (doc === undefined) return undefined;
  const text = doc.trimStart().startsWith('{') ? doc : decodeURIComponent(doc);
  return JSON.parse(text);
}

function foreignMessage(what: string, tags: Record<string, string>): string {
  const owner = tags[TAG_CLUSTER];
  return owner === undefined ? `${what} already exists and is not tagged for this cluster` : `${what} already exists and belongs to cluster ${owner}`;
}

/** One role of the cluster with its inline policy, and the instance profile that carries it. */
export interface IamRoleNames {
  role: { name: string; roleName: string; policyName: string };
  profile: { name: string; profileName: string };
}

/** The managers' role and the workers' role, under the logical names of the plan. */
export function clusterIamRoles(names: { nodeRole: string; nodeRolePolicy: string; nodeProfile: string; workerRole: string; workerRolePolicy: string; workerProfile: string }): IamRoleNames[] {
  return [
    { role: { name: 'node-role', roleName: names.nodeRole, policyName: names.nodeRolePolicy }, profile: { name: 'node-profile', profileName: names.nodeProfile } },
    { role: { name: 'worker-role', roleName: names.workerRole, policyName: names.workerRolePolicy }, profile: { name: 'worker-profile', profileName: names.workerProfile } },
  ];
}

export async function observeIam(region: string, cluster: string, roles: readonly IamRoleNames[]): Promise<ObservedResource[]> {
  const found = await Promise.all(roles.map(async (r) => [...(await observeRole(region, cluster, r.role)), ...(await observeProfile(region, cluster, r.profile))]));
  return found.flat();
}

async function observeRole(region: string, cluster: string, names: IamRoleNames['role']): Promise<ObservedResource[]> {
  const { sdk, client } = await iam(region);
  const role = await callOrUndefined('iam:GetRole', `role ${names.roleName}`, ['NoSuchEntity', 'NoSuchEntityException'], () =>
    client.send(new sdk.GetRoleCommand({ RoleName: names.roleName })),
  );
  if (role?.Role === undefined) return [];
  const tags = fromAwsTags(role.Role.Tags);
  const base = { kind: 'iam-role' as const, name: names.name, id: names.roleName, ...(role.Role.Arn === undefined ? {} : { arn: role.Role.Arn }) };
  if (tags[TAG_CLUSTER] !== cluster) return [{ ...base, foreign: foreignMessage(`IAM role ${names.roleName}`, tags), props: {} }];
  const policy = await callOrUndefined('iam:GetRolePolicy', `role ${names.roleName}`, ['NoSuchEntity', 'NoSuchEntityException'], () =>
    client.send(new sdk.GetRolePolicyCommand({ RoleName: names.roleName, PolicyName: names.policyName })),
  );
  return [{ ...base, props: { trustPolicy: parsePolicy(role.Role.AssumeRolePolicyDocument), policy: parsePolicy(policy?.PolicyDocument) ?? null } }];
}

async function observeProfile(region: string, cluster: string, names: IamRoleNames['profile']): Promise<ObservedResource[]> {
  const { sdk, client } = await iam(region);
  const profile = await callOrUndefined('iam:GetInstanceProfile', `instance profile ${names.profileName}`, ['NoSuchEntity', 'NoSuchEntityException'], () =>
    client.send(new sdk.GetInstanceProfileCommand({ InstanceProfileName: names.profileName })),
  );
  if (profile?.InstanceProfile === undefined) return [];
  const p = profile.InstanceProfile;
  const tags = fromAwsTags(p.Tags);
  const base = { kind: 'instance-profile' as const, name: names.name, id: names.profileName, ...(p.Arn === undefined ? {} : { arn: p.Arn }) };
  return [
    tags[TAG_CLUSTER] !== cluster
      ? { ...base, foreign: foreignMessage(`IAM instance profile ${names.profileName}`, tags), props: {} }
      : { ...base, props: { roles: (p.Roles ?? []).flatMap((r) => (r.RoleName ? [r.RoleName] : [])) } },
  ];
}

export async function createRole(ctx: IamContext, spec: ResolvedOf<'iam-role'>): Promise<ResourceIds> {
  const { sdk, client } = await iam(ctx.region);
  const out = await call(
    'iam:CreateRole',
    `role ${spec.roleName}`,
    () =>
      client.send(
        new sdk.CreateRoleCommand({
          RoleName: spec.roleName,
          AssumeRolePolicyDocument: JSON.stringify(spec.trustPolicy),
          Description: spec.description,
          Tags: toAwsTags(spec.tags),
        }),
      ),
    { hint: `an IAM role named ${spec.roleName} exists without the futuswarm tags; delete or rename it, then run the same command again` },
  );
  await putPolicy(ctx, spec);
  return { id: spec.roleName, ...(out.Role?.Arn === undefined ? {} : { arn: out.Role.Arn }) };
}

async function putPolicy(ctx: IamContext, spec: ResolvedOf<'iam-role'>): Promise<void> {
  const { sdk, client } = await iam(ctx.region);
  await call('iam:PutRolePolicy', `role ${spec.roleName}`, () =>
    client.send(new sdk.PutRolePolicyCommand({ RoleName: spec.roleName, PolicyName: spec.policyName, PolicyDocument: JSON.stringify(spec.policy) })),
  );
}

export async function updateRole(ctx: IamContext, spec: ResolvedOf<'iam-role'>, current: { trustPolicy?: unknown }): Promise<ResourceIds> {
  const { sdk, client } = await iam(ctx.region);
  if (JSON.stringify(current.trustPolicy) !== JSON.stringify(spec.trustPolicy)) {
    await call('iam:UpdateAssumeRolePolicy', `role ${spec.roleName}`, () =>
      client.send(new sdk.UpdateAssumeRolePolicyCommand({ RoleName: spec.roleName, PolicyDocument: JSON.stringify(spec.trustPolicy) })),
    );
  }
  await putPolicy(ctx, spec);
  return { id: spec.roleName };
}

export async function deleteRole(ctx: IamContext, roleName: string): Promise<void> {
  const { sdk, client } = await iam(ctx.region);
  const what = `role ${roleName}`;
  const gone = ['NoSuchEntity', 'NoSuchEntityException'];
  const inline = await callOrUndefined('iam:ListRolePolicies', what, gone, () => client.send(new sdk.ListRolePoliciesCommand({ RoleName: roleName })));
  if (inline === undefined) return;
  for (const PolicyName of inline.PolicyNames ?? []) {
    await call('iam:DeleteRolePolicy', what, () => client.send(new sdk.DeleteRolePolicyCommand({ RoleName: roleName, PolicyName })));
  }
  const attached = await call('iam:ListAttachedRolePolicies', what, () => client.send(new sdk.ListAttachedRolePoliciesCommand({ RoleName: roleName })));
  for (const p of attached.AttachedPolicies ?? []) {
    await call('iam:DetachRolePolicy', what, () => client.send(new sdk.DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: p.PolicyArn })));
  }
  const profiles = await call('iam:ListInstanceProfilesForRole', what, () => client.send(new sdk.ListInstanceProfilesForRoleCommand({ RoleName: roleName })));
  for (const p of profiles.InstanceProfiles ?? []) {
    await call('iam:RemoveRoleFromInstanceProfile', what, () =>
      client.send(new sdk.RemoveRoleFromInstanceProfileCommand({ RoleName: roleName, InstanceProfileName: p.InstanceProfileName })),
    );
  }
  await callOrUndefined('iam:DeleteRole', what, gone, () => client.send(new sdk.DeleteRoleCommand({ RoleName: roleName })));
}

export async function createInstanceProfile(ctx: IamContext, spec: ResolvedOf<'instance-profile'>): Promise<ResourceIds> {
  const { sdk, client } = await iam(ctx.region);
  const out = await call(
    'iam:CreateInstanceProfile',
    `instance profile ${spec.profileName}`,
    () => client.send(new sdk.CreateInstanceProfileCommand({ InstanceProfileName: spec.profileName, Tags: toAwsTags(spec.tags) })),
    { hint: `an instance profile named ${spec.profileName} exists without the futuswarm tags; delete it, then run the same command again` },
  );
  const arn = out.InstanceProfile?.Arn;
  if (arn === undefined) throw new FutuswarmError('aws', 'iam:CreateInstanceProfile returned no ARN');
  await updateInstanceProfile(ctx, spec, []);
  return { id: spec.profileName, arn };
}

export async function updateInstanceProfile(ctx: IamContext, spec: ResolvedOf<'instance-profile'>, currentRoles: string[]): Promise<ResourceIds> {
  const { sdk, client } = await iam(ctx.region);
  const role = spec.role;
  for (const other of currentRoles.filter((r) => r !== role)) {
    await call('iam:RemoveRoleFromInstanceProfile', `instance profile ${spec.profileName}`, () =>
      client.send(new sdk.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: spec.profileName, RoleName: other })),
    );
  }
  if (!currentRoles.includes(role)) {
    await call('iam:AddRoleToInstanceProfile', `instance profile ${spec.profileName}`, () =>
      client.send(new sdk.AddRoleToInstanceProfileCommand({ InstanceProfileName: spec.profileName, RoleName: role })),
    );
  }
  return { id: spec.profileName };
}

export async function deleteInstanceProfile(ctx: IamContext, profileName: string, roles: string[]): Promise<void> {
  const { sdk, client } = await iam(ctx.region);
  const what = `instance profile ${profileName}`;
  for (const RoleName of roles) {
    try {
      await client.send(new sdk.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profileName, RoleName }));
    } catch (e) {
      if (!isAwsError(e, 'NoSuchEntity', 'NoSuchEntityException')) throw awsFailure(e, 'iam:RemoveRoleFromInstanceProfile', what);
    }
  }
  await callOrUndefined('iam:DeleteInstanceProfile', what, ['NoSuchEntity', 'NoSuchEntityException'], () =>
    client.send(new sdk.DeleteInstanceProfileCommand({ InstanceProfileName: profileName })),
  );
}
