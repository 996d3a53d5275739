/**
 * The cluster's security groups and their rules: created empty, then kept exactly at the rules
 * the plan names (src/core/plan-network.ts), added and revoked one by one.
 */
import type { IpPermission } from '@aws-sdk/client-ec2';
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ResourceIds } from '../core/plan-resources.ts';
import { ruleKey, type RulePeer } from '../core/plan-network.ts';
import { call } from './aws-errors.ts';
import { ec2 } from './clients.ts';
import { permissionKeys, retryWhileInUse, tagSpec, type Ec2Context } from './ec2.ts';

export async function createSecurityGroup(ctx: Ec2Context, spec: ResolvedOf<'security-group'>): Promise<ResourceIds> {
  const { sdk, client } = await ec2(ctx.region);
  const out = await call(
    'ec2:CreateSecurityGroup',
    `security group ${spec.groupName}`,
    () =>
      client.send(
        new sdk.CreateSecurityGroupCommand({
          GroupName: spec.groupName,
          Description: spec.description,
          VpcId: spec.vpc,
          TagSpecifications: tagSpec('security-group', spec.tags),
        }),
      ),
    { hint: `a security group named ${spec.groupName} already exists in the VPC without the futuswarm tags; delete it and run the same command again` },
  );
  if (out.GroupId === undefined) throw new FutuswarmError('aws', 'ec2:CreateSecurityGroup returned no id');
  return { id: out.GroupId };
}

function permissionFromKey(key: string, description?: string): IpPermission {
  const [protocol, ports, peerType, ...peerParts] = key.split(':') as [string, string, string, ...string[]];
  const peer = peerParts.join(':');
  const perm: IpPermission = { IpProtocol: protocol === 'all' ? '-1' : protocol };
  if (protocol !== 'all') {
    const [from, to] = ports.split('-').map(Number);
    perm.FromPort = from;
    perm.ToPort = to;
  }
  const desc = description === undefined ? {} : { Description: description };
  if (peerType === 'group') perm.UserIdGroupPairs = [{ GroupId: peer, ...desc }];
  else if (peer.includes(':')) perm.Ipv6Ranges = [{ CidrIpv6: peer, ...desc }];
  else if (peer.startsWith('pl-')) perm.PrefixListIds = [{ PrefixListId: peer, ...desc }];
  else perm.IpRanges = [{ CidrIp: peer, ...desc }];
  return perm;
}

/** Make the group's rules exactly the wanted ones: authorize what is missing, revoke the rest. */
export async function syncSecurityGroupRules(ctx: Ec2Context, spec: ResolvedOf<'security-group-rules'>): Promise<ResourceIds> {
  const { sdk, client } = await ec2(ctx.region);
  const groupId = spec.group;
  const out = await call('ec2:DescribeSecurityGroups', `security group ${groupId}`, () => client.send(new sdk.DescribeSecurityGroupsCommand({ GroupIds: [groupId] })));
  const group = out.SecurityGroups?.[0];
  if (group === undefined) throw new FutuswarmError('not_found', `security group ${groupId} does not exist`);
  for (const direction of ['ingress', 'egress'] as const) {
    const have = permissionKeys(direction === 'ingress' ? group.IpPermissions : group.IpPermissionsEgress);
    const want = spec[direction].map((r) => ({ key: ruleKey({ ...r, peer: r.peer as RulePeer }), description: r.description }));
    const add = want.filter((w) => !have.includes(w.key));
    const remove = have.filter((h) => !want.some((w) => w.key === h));
    if (add.length > 0) {
      const IpPermissions = add.map((w) => permissionFromKey(w.key, w.description));
      if (direction === 'ingress') {
        await call('ec2:AuthorizeSecurityGroupIngress', `security group ${groupId}`, () => client.send(new sdk.AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions })));
      } else {
        await call('ec2:AuthorizeSecurityGroupEgress', `security group ${groupId}`, () => client.send(new sdk.AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions })));
      }
    }
    if (remove.length > 0) {
      const IpPermissions = remove.map((k) => permissionFromKey(k));
      if (direction === 'ingress') {
        await call('ec2:RevokeSecurityGroupIngress', `security group ${groupId}`, () => client.send(new sdk.RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions })));
      } else {
        await call('ec2:RevokeSecurityGroupEgress', `security group ${groupId}`, () => client.send(new sdk.RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions })));
      }
    }
  }
  return { id: groupId };
}

/** Remove every rule (groups that refer to each other cannot be deleted otherwise). */
export async function revokeAllRules(ctx: Ec2Context, groupId: string): Promise<void> {
  try {
    await syncSecurityGroupRules(ctx, { kind: 'security-group-rules', name: '', tags: {}, group: groupId, ingress: [], egress: [] });
  } catch (e) {
    if (e instanceof FutuswarmError && e.code === 'not_found') return;
    throw e;
  }
}

export async function deleteSecurityGroup(ctx: Ec2Context, id: string): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  await retryWhileInUse(ctx, `security group ${id}`, () => client.send(new sdk.DeleteSecurityGroupCommand({ GroupId: id })), 'ec2:DeleteSecurityGroup', ['InvalidGroup.NotFound']);
}
