/**
 * EC2 and VPC adapter: finds a cluster's network, firewall, launch template and instances by
 * their tags, and creates, updates and deletes its network one call at a time. Security groups
 * are src/aws/ec2-security-groups.ts; the launch template and instances src/aws/ec2-instances.ts.
 */
import type { Filter, Instance, IpPermission, LaunchTemplate, SecurityGroup, Tag, TagSpecification } from '@aws-sdk/client-ec2';
import { isArmInstanceType } from '../config/cluster-file.ts';
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ObservedResource, ResourceIds } from '../core/plan-resources.ts';
import { fromAwsTags, TAG_CLUSTER, TAG_ROLE, toAwsTags } from '../core/plan-names.ts';
import { ruleKey } from '../core/plan-network.ts';
import { awsFailure, call, isAwsError } from './aws-errors.ts';
import { ec2 } from './clients.ts';
import { deleteWhenReleased, type WaitOptions } from './wait.ts';

export interface Ec2Context {
  region: string;
  wait?: WaitOptions;
}

const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'];

export function clusterFilter(cluster: string): Filter[] {
  return [{ Name: `tag:${TAG_CLUSTER}`, Values: [cluster] }];
}

export function tagSpec(type: TagSpecification['ResourceType'], tags: Record<string, string>): TagSpecification[] {
  return [{ ResourceType: type, Tags: toAwsTags(tags) }];
}

export function roleOf(tags: Tag[] | undefined): string {
  return fromAwsTags(tags)[TAG_ROLE] ?? '';
}

// ───────────────────────────── account facts ─────────────────────────────

export async function availabilityZones(region: string): Promise<string[]> {
  const { sdk, client } = await ec2(region);
  const out = await call('ec2:DescribeAvailabilityZones', `region ${region}`, () =>
    client.send(
      new sdk.DescribeAvailabilityZonesCommand({
        Filters: [
          { Name: 'state', Values: ['available'] },
          { Name: 'zone-type', Values: ['availability-zone'] },
        ],
      }),
    ),
  );
  return (out.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName ? [z.ZoneName] : [])).sort();
}

/** Graviton instance families (t4g, m7g, c7gn …) need arm64 images (the cluster file refuses them). */
export function architectureOf(instanceType: string): 'arm64' | 'x86_64' {
  return isArmInstanceType(instanceType) ? 'arm64' : 'x86_64';
}

/** The newest available image of `owner` whose name matches `name`. */
export async function resolveImage(region: string, image: { owner: string; name: string }, instanceType: string): Promise<string> {
  const { sdk, client } = await ec2(region);
  const architecture = architectureOf(instanceType);
  const out = await call('ec2:DescribeImages', `images ${image.name} of ${image.owner}`, () =>
    client.send(
      new sdk.DescribeImagesCommand({
        Owners: [image.owner],
        Filters: [
          { Name: 'name', Values: [image.name] },
          { Name: 'state', Values: ['available'] },
          { Name: 'architecture', Values: [architecture] },
        ],
      }),
    ),
  );
  const newest = [...(out.Images ?? [])].sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  if (newest?.ImageId === undefined) {
    throw new FutuswarmError('not_found', `no ${architecture} image named ${image.name} from account ${image.owner} in ${region}`, {
      hint: 'set nodes.image.id in the cluster file to an AMI id, or fix nodes.image.owner and nodes.image.name',
    });
  }
  return newest.ImageId;
}

// ───────────────────────────── observation ─────────────────────────────

export function permissionKeys(perms: IpPermission[] | undefined): string[] {
  const keys: string[] = [];
  for (const p of perms ?? []) {
    const protocol = p.IpProtocol === '-1' ? 'all' : (p.IpProtocol ?? 'all');
    const base = { protocol, fromPort: p.FromPort ?? 0, toPort: p.ToPort ?? 0 };
    for (const r of p.IpRanges ?? []) if (r.CidrIp) keys.push(ruleKey({ ...base, peer: { cidr: r.CidrIp } }));
    for (const r of p.Ipv6Ranges ?? []) if (r.CidrIpv6) keys.push(ruleKey({ ...base, peer: { cidr: r.CidrIpv6 } }));
    for (const g of p.UserIdGroupPairs ?? []) if (g.GroupId) keys.push(ruleKey({ ...base, peer: { group: g.GroupId } }));
    for (const pl of p.PrefixListIds ?? []) if (pl.PrefixListId) keys.push(ruleKey({ ...base, peer: { cidr: pl.PrefixListId } }));
  }
  return keys.sort();
}

function observeSecurityGroup(g: SecurityGroup): ObservedResource[] {
  const name = roleOf(g.Tags);
  const id = g.GroupId ?? '';
  return [
    { kind: 'security-group', name, id, props: { vpc: g.VpcId, groupName: g.GroupName } },
    { kind: 'security-group-rules', name: `${name}-rules`, id, props: { ingress: permissionKeys(g.IpPermissions), egress: permissionKeys(g.IpPermissionsEgress) } },
  ];
}

/** `instanceProfile`: the ARN of the profile associated with it, null for none. */
export function observeInstance(i: Instance, instanceProfile: string | null): ObservedResource {
  return {
    kind: 'instance',
    name: roleOf(i.Tags),
    id: i.InstanceId ?? '',
    state: i.State?.Name ?? 'unknown',
    props: {
      instanceType: i.InstanceType,
      subnet: i.SubnetId,
      privateIp: i.PrivateIpAddress ?? null,
      publicIp: i.PublicIpAddress ?? null,
      availabilityZone: i.Placement?.AvailabilityZone ?? null,
      instanceProfile,
    },
  };
}

async function observeLaunchTemplate(region: string, t: LaunchTemplate, foreign?: string): Promise<ObservedResource> {
  const { sdk, client } = await ec2(region);
  const id = t.LaunchTemplateId ?? '';
  const versions = await call('ec2:DescribeLaunchTemplateVersions', `launch template ${t.LaunchTemplateName}`, () =>
    client.send(new sdk.DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['$Default'] })),
  );
  const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData ?? {};
  return {
    kind: 'launch-template',
    name: foreign === undefined ? roleOf(t.Tags) : 'node-template',
    id,
    ...(foreign === undefined ? {} : { foreign }),
    props: {
      imageId: data.ImageId,
      instanceType: data.InstanceType,
      volumeGb: data.BlockDeviceMappings?.[0]?.Ebs?.VolumeSize,
      securityGroups: data.SecurityGroupIds ?? [],
      instanceProfile: data.IamInstanceProfile?.Arn,
      keyName: data.KeyName ?? null,
      httpTokens: data.MetadataOptions?.HttpTokens,
      version: versions.LaunchTemplateVersions?.[0]?.VersionNumber,
    },
  };
}

/** Everything in EC2 tagged for `cluster`. `templateName` is also checked for a same-named foreign template. */
export async function observeEc2(region: string, cluster: string, templateName: string): Promise<ObservedResource[]> {
  const { sdk, client } = await ec2(region);
  const Filters = clusterFilter(cluster);
  const what = `cluster ${cluster}`;
  const [vpcs, subnets, igws, tables, groups, templates, reservations] = await Promise.all([
    call('ec2:DescribeVpcs', what, () => client.send(new sdk.DescribeVpcsCommand({ Filters }))),
    call('ec2:DescribeSubnets', what, () => client.send(new sdk.DescribeSubnetsCommand({ Filters }))),
    call('ec2:DescribeInternetGateways', what, () => client.send(new sdk.DescribeInternetGatewaysCommand({ Filters }))),
    call('ec2:DescribeRouteTables', what, () => client.send(new sdk.DescribeRouteTablesCommand({ Filters }))),
    call('ec2:DescribeSecurityGroups', what, () => client.send(new sdk.DescribeSecurityGroupsCommand({ Filters }))),
    call('ec2:DescribeLaunchTemplates', what, () => client.send(new sdk.DescribeLaunchTemplatesCommand({ Filters }))),
    call('ec2:DescribeInstances', what, () =>
      client.send(new sdk.DescribeInstancesCommand({ Filters: [...Filters, { Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES }] })),
    ),
  ]);
  const out: ObservedResource[] = [];
  for (const v of vpcs.Vpcs ?? []) {
    out.push({ kind: 'vpc', name: roleOf(v.Tags), id: v.VpcId ?? '', state: v.State, props: { cidr: v.CidrBlock } });
  }
  for (const s of subnets.Subnets ?? []) {
    out.push({
      kind: 'subnet',
      name: roleOf(s.Tags),
      id: s.SubnetId ?? '',
      state: s.State,
      props: { vpc: s.VpcId, cidr: s.CidrBlock, availabilityZone: s.AvailabilityZone, mapPublicIpOnLaunch: s.MapPublicIpOnLaunch ?? false },
    });
  }
  for (const g of igws.InternetGateways ?? []) {
    // IGW attachments report `available` when attached.
    const attached = (g.Attachments ?? []).find((a) => ['available', 'attached', 'attaching'].includes(String(a.State)));
    out.push({ kind: 'internet-gateway', name: roleOf(g.Tags), id: g.InternetGatewayId ?? '', props: { attachedVpc: attached?.VpcId ?? null } });
  }
  for (const t of tables.RouteTables ?? []) {
    const route = (t.Routes ?? []).find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
    out.push({
      kind: 'route-table',
      name: roleOf(t.Tags),
      id: t.RouteTableId ?? '',
      props: {
        vpc: t.VpcId,
        defaultRoute: route?.GatewayId ?? null,
        subnets: (t.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])).sort(),
        associations: Object.fromEntries((t.Associations ?? []).flatMap((a) => (a.SubnetId && a.RouteTableAssociationId ? [[a.SubnetId, a.RouteTableAssociationId]] : []))),
      },
    });
  }
  for (const g of groups.SecurityGroups ?? []) out.push(...observeSecurityGroup(g));
  for (const t of templates.LaunchTemplates ?? []) out.push(await observeLaunchTemplate(region, t));
  if (!(templates.LaunchTemplates ?? []).some((t) => t.LaunchTemplateName === templateName)) {
    // Names are unique per region: one that is not ours blocks creating ours.
    const byName = await describeLaunchTemplateByName(region, templateName);
    if (byName !== undefined) {
      const owner = fromAwsTags(byName.Tags)[TAG_CLUSTER];
      out.push(await observeLaunchTemplate(region, byName, `launch template ${templateName} already exists${owner ? ` and belongs to cluster ${owner}` : ' and is not tagged for this cluster'}`));
    }
  }
  const instances = (reservations.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  const profiles = await instanceProfiles(region, what, instances.flatMap((i) => (i.InstanceId ? [i.InstanceId] : [])));
  for (const i of instances) out.push(observeInstance(i, profiles.get(i.InstanceId ?? '') ?? null));
  return out;
}

/**
 * The instance profile of each instance, by id. Read from the associations, which
 * ReplaceIamInstanceProfileAssociation changes, rather than from DescribeInstances: moto (the
 * tests' and the local cluster's AWS) does not carry that change over into the latter.
 */
async function instanceProfiles(region: string, what: string, instanceIds: readonly string[]): Promise<Map<string, string>> {
  const { sdk, client } = await ec2(region);
  const out = new Map<string, string>();
  // EC2 takes at most 200 values per filter.
  for (let start = 0; start < instanceIds.length; start += 100) {
    const Filters = [
      { Name: 'instance-id', Values: instanceIds.slice(start, start + 100) },
      { Name: 'state', Values: ['associating', 'associated'] },
    ];
    let NextToken: string | undefined;
    do {
      const page = await call('ec2:DescribeIamInstanceProfileAssociations', what, () =>
        client.send(new sdk.DescribeIamInstanceProfileAssociationsCommand({ Filters, NextToken })),
      );
      for (const a of page.IamInstanceProfileAssociations ?? []) {
        if (a.InstanceId !== undefined && a.IamInstanceProfile?.Arn !== undefined) out.set(a.InstanceId, a.IamInstanceProfile.Arn);
      }
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return out;
}

async function describeLaunchTemplateByName(region: string, name: string): Promise<LaunchTemplate | undefined> {
  const { sdk, client } = await ec2(region);
  try {
    const out = await client.send(new sdk.DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }));
    return out.LaunchTemplates?.[0];
  } catch (e) {
    if (isAwsError(e, 'InvalidLaunchTemplateName.NotFoundException', 'InvalidLaunchTemplateName.NotFound')) return undefined;
    throw awsFailure(e, 'ec2:DescribeLaunchTemplates', `launch template ${name}`);
  }
}

// ───────────────────────────── network ─────────────────────────────

export async function createVpc(ctx: Ec2Context, spec: ResolvedOf<'vpc'>): Promise<ResourceIds> {
  const { sdk, client } = await ec2(ctx.region);
  const out = await call('ec2:CreateVpc', `VPC ${spec.cidr}`, () =>
    client.send(new sdk.CreateVpcCommand({ CidrBlock: spec.cidr, TagSpecifications: tagSpec('vpc', spec.tags) })),
  );
  const id = out.Vpc?.VpcId;
  if (id === undefined) throw new FutuswarmError('aws', 'ec2:CreateVpc returned no VPC id');
  // Instances need DNS names to reach AWS APIs and each other.
  await call('ec2:ModifyVpcAttribute', `VPC ${id}`, () => client.send(new sdk.ModifyVpcAttributeCommand({ VpcId: id, EnableDnsHostnames: { Value: true } })));
  return { id };
}

export async function deleteVpc(ctx: Ec2Context, id: string): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  await retryWhileInUse(ctx, `VPC ${id}`, () => client.send(new sdk.DeleteVpcCommand({ VpcId: id })), 'ec2:DeleteVpc', ['InvalidVpcID.NotFound'], 'app databases or caches may still use it: remove them with db:destroy / cache:destroy');
}

export async function createSubnet(ctx: Ec2Context, spec: ResolvedOf<'subnet'>): Promise<ResourceIds> {
  const { sdk, client } = await ec2(ctx.region);
  const out = await call('ec2:CreateSubnet', `subnet ${spec.cidr} in ${spec.availabilityZone}`, () =>
    client.send(
      new sdk.CreateSubnetCommand({
        VpcId: spec.vpc,
        CidrBlock: spec.cidr,
        AvailabilityZone: spec.availabilityZone,
        TagSpecifications: tagSpec('subnet', spec.tags),
      }),
    ),
  );
  const id = out.Subnet?.SubnetId;
  if (id === undefined) throw new FutuswarmError('aws', 'ec2:CreateSubnet returned no subnet id');
  await updateSubnet(ctx, id);
  return { id };
}

/** Nodes get public addresses: they pull images and packages without a NAT gateway. */
export async function updateSubnet(ctx: Ec2Context, id: string): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  await call('ec2:ModifySubnetAttribute', `subnet ${id}`, () =>
    client.send(new sdk.ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: true } })),
  );
}

export async function deleteSubnet(ctx: Ec2Context, id: string): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  await retryWhileInUse(ctx, `subnet ${id}`, () => client.send(new sdk.DeleteSubnetCommand({ SubnetId: id })), 'ec2:DeleteSubnet', ['InvalidSubnetID.NotFound']);
}

export async function createInternetGateway(ctx: Ec2Context, spec: ResolvedOf<'internet-gateway'>): Promise<ResourceIds> {
  const { sdk, client } = await ec2(ctx.region);
  const out = await call('ec2:CreateInternetGateway', 'internet gateway', () =>
    client.send(new sdk.CreateInternetGatewayCommand({ TagSpecifications: tagSpec('internet-gateway', spec.tags) })),
  );
  const id = out.InternetGateway?.InternetGatewayId;
  if (id === undefined) throw new FutuswarmError('aws', 'ec2:CreateInternetGateway returned no id');
  await attachInternetGateway(ctx, id, spec.vpc, null);
  return { id };
}

export async function attachInternetGateway(ctx: Ec2Context, id: string, vpcId: string, attachedTo: string | null): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  if (attachedTo !== null && attachedTo !== vpcId) {
    await call('ec2:DetachInternetGateway', `internet gateway ${id}`, () =>
      client.send(new sdk.DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: attachedTo })),
    );
  }
  await call('ec2:AttachInternetGateway', `internet gateway ${id}`, () =>
    client.send(new sdk.AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpcId })),
  );
}

export async function deleteInternetGateway(ctx: Ec2Context, id: string, attachedTo: string | null): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  if (attachedTo !== null) {
    await retryWhileInUse(ctx, `internet gateway ${id}`, () => client.send(new sdk.DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: attachedTo })), 'ec2:DetachInternetGateway', ['InvalidInternetGatewayID.NotFound', 'Gateway.NotAttached']);
  }
  await retryWhileInUse(ctx, `internet gateway ${id}`, () => client.send(new sdk.DeleteInternetGatewayCommand({ InternetGatewayId: id })), 'ec2:DeleteInternetGateway', ['InvalidInternetGatewayID.NotFound']);
}

export async function createRouteTable(ctx: Ec2Context, spec: ResolvedOf<'route-table'>): Promise<ResourceIds> {
  const { sdk, client } = await ec2(ctx.region);
  const out = await call('ec2:CreateRouteTable', 'route table', () =>
    client.send(new sdk.CreateRouteTableCommand({ VpcId: spec.vpc, TagSpecifications: tagSpec('route-table', spec.tags) })),
  );
  const id = out.RouteTable?.RouteTableId;
  if (id === undefined) throw new FutuswarmError('aws', 'ec2:CreateRouteTable returned no id');
  await updateRouteTable(ctx, id, spec, { defaultRoute: null, subnets: [], associations: {} });
  return { id };
}

export async function updateRouteTable(
  ctx: Ec2Context,
  id: string,
  spec: ResolvedOf<'route-table'>,
  current: { defaultRoute: string | null; subnets: string[]; associations: Record<string, string> },
): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  const gateway = spec.gateway;
  if (current.defaultRoute !== gateway) {
    const params = { RouteTableId: id, DestinationCidrBlock: '0.0.0.0/0', GatewayId: gateway };
    if (current.defaultRoute === null) {
      await call('ec2:CreateRoute', `route table ${id}`, () => client.send(new sdk.CreateRouteCommand(params)));
    } else {
      await call('ec2:ReplaceRoute', `route table ${id}`, () => client.send(new sdk.ReplaceRouteCommand(params)));
    }
  }
  const wanted = spec.subnets;
  for (const subnet of wanted) {
    if (current.subnets.includes(subnet)) continue;
    await call('ec2:AssociateRouteTable', `route table ${id} and subnet ${subnet}`, () =>
      client.send(new sdk.AssociateRouteTableCommand({ RouteTableId: id, SubnetId: subnet })),
    );
  }
  for (const [subnet, association] of Object.entries(current.associations)) {
    if (wanted.includes(subnet)) continue;
    await call('ec2:DisassociateRouteTable', `route table ${id} and subnet ${subnet}`, () =>
      client.send(new sdk.DisassociateRouteTableCommand({ AssociationId: association })),
    );
  }
}

export async function deleteRouteTable(ctx: Ec2Context, id: string, associations: Record<string, string>): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  for (const association of Object.values(associations)) {
    await retryWhileInUse(ctx, `route table ${id}`, () => client.send(new sdk.DisassociateRouteTableCommand({ AssociationId: association })), 'ec2:DisassociateRouteTable', ['InvalidAssociationID.NotFound']);
  }
  await retryWhileInUse(ctx, `route table ${id}`, () => client.send(new sdk.DeleteRouteTableCommand({ RouteTableId: id })), 'ec2:DeleteRouteTable', ['InvalidRouteTableID.NotFound']);
}

/** Deletes that fail while something still uses the resource are retried until it lets go. */
export async function retryWhileInUse(ctx: Ec2Context, what: string, fn: () => Promise<unknown>, action: string, gone: string[], hint?: string): Promise<void> {
  await deleteWhenReleased(what, fn, { action, gone, inUse: ['DependencyViolation'] }, { ...ctx.wait, timeoutMs: ctx.wait?.timeoutMs ?? 10 * 60_000, ...(hint === undefined ? {} : { hint }) });
}

/** The network of an existing cluster, for resources created after bootstrap (app databases, caches). */
export async function findClusterNetwork(region: string, cluster: string): Promise<{ vpcId: string; subnetIds: string[]; securityGroups: Record<string, string> }> {
  const { sdk, client } = await ec2(region);
  const Filters = clusterFilter(cluster);
  const what = `cluster ${cluster}`;
  const [subnets, groups] = await Promise.all([
    call('ec2:DescribeSubnets', what, () => client.send(new sdk.DescribeSubnetsCommand({ Filters }))),
    call('ec2:DescribeSecurityGroups', what, () => client.send(new sdk.DescribeSecurityGroupsCommand({ Filters }))),
  ]);
  const ordered = (subnets.Subnets ?? [])
    .map((s) => ({ role: roleOf(s.Tags), id: s.SubnetId ?? '', vpc: s.VpcId ?? '' }))
    .filter((s) => /^subnet-\d+$/.test(s.role))
    .sort((a, b) => a.role.localeCompare(b.role, 'en', { numeric: true }));
  if (ordered.length === 0) {
    throw new FutuswarmError('not_found', `cluster ${cluster} has no subnets in ${region}`, { hint: 'create the cluster first: futuswarm admin cluster:bootstrap -f <cluster file>' });
  }
  return {
    vpcId: ordered[0]!.vpc,
    subnetIds: ordered.map((s) => s.id),
    securityGroups: Object.fromEntries((groups.SecurityGroups ?? []).map((g) => [roleOf(g.Tags), g.GroupId ?? ''])),
  };
}
