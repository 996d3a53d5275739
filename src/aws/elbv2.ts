/** ELBv2 adapter: the application load balancer, its listeners and the managers' target group. */
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ObservedResource, ResourceIds } from '../core/plan-resources.ts';
import { fromAwsTags, TAG_CLUSTER, toAwsTags } from '../core/plan-names.ts';
import { awsFailure, call, isAwsError } from './aws-errors.ts';
import { elbv2 } from './clients.ts';
import { waitFor, type WaitOptions } from './wait.ts';

export interface ElbContext {
  region: string;
  wait?: WaitOptions;
}

type Elb = Awaited<ReturnType<typeof elbv2>>;
type ElbSdk = Elb['sdk'];
type ElbClient = Elb['client'];

/** Modern TLS only (1.2 and 1.3). */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

async function tagsOf(region: string, arn: string): Promise<Record<string, string>> {
  const { sdk, client } = await elbv2(region);
  const out = await call('elasticloadbalancing:DescribeTags', arn, () => client.send(new sdk.DescribeTagsCommand({ ResourceArns: [arn] })));
  return fromAwsTags(out.TagDescriptions?.[0]?.Tags);
}

function foreign(what: string, tags: Record<string, string>): string {
  const owner = tags[TAG_CLUSTER];
  return `${what} already exists and ${owner ? `belongs to cluster ${owner}` : 'is not tagged for this cluster'}`;
}

function describeAction(actions: Action[] | undefined): unknown {
  const a = actions?.[0];
  if (a?.Type === 'redirect' && a.RedirectConfig?.Protocol === 'HTTPS') return 'redirect-https';
  if (a?.Type === 'forward') return { forward: a.TargetGroupArn ?? a.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn };
  return a?.Type ?? null;
}

export async function observeElb(region: string, cluster: string, names: { loadBalancer: string; targetGroup: string }): Promise<ObservedResource[]> {
  const { sdk, client } = await elbv2(region);
  const out: ObservedResource[] = [];

  let lbs;
  try {
    lbs = await client.send(new sdk.DescribeLoadBalancersCommand({ Names: [names.loadBalancer] }));
  } catch (e) {
    if (!isAwsError(e, 'LoadBalancerNotFound', 'LoadBalancerNotFoundException')) throw awsFailure(e, 'elasticloadbalancing:DescribeLoadBalancers', `load balancer ${names.loadBalancer}`);
  }
  const lb = lbs?.LoadBalancers?.[0];
  if (lb?.LoadBalancerArn !== undefined) {
    const tags = await tagsOf(region, lb.LoadBalancerArn);
    if (tags[TAG_CLUSTER] !== cluster) {
      out.push({ kind: 'load-balancer', name: 'lb', id: lb.LoadBalancerArn, arn: lb.LoadBalancerArn, foreign: foreign(`load balancer ${names.loadBalancer}`, tags), props: {} });
    } else {
      out.push({
        kind: 'load-balancer',
        name: 'lb',
        id: lb.LoadBalancerArn,
        arn: lb.LoadBalancerArn,
        ...(lb.DNSName === undefined ? {} : { dnsName: lb.DNSName }),
        state: lb.State?.Code ?? 'unknown',
        props: {
          scheme: lb.Scheme,
          subnets: (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : [])).sort(),
          securityGroups: [...(lb.SecurityGroups ?? [])].sort(),
          dnsName: lb.DNSName ?? null,
          dropInvalidHeaders: await dropsInvalidHeaders(client, sdk, lb.LoadBalancerArn, names.loadBalancer),
        },
      });
      const listeners = await call('elasticloadbalancing:DescribeListeners', `load balancer ${names.loadBalancer}`, () =>
        client.send(new sdk.DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn })),
      );
      for (const l of listeners.Listeners ?? []) {
        if (l.ListenerArn === undefined) continue;
        const name = l.Port === 80 ? 'listener-http' : l.Port === 443 ? 'listener-https' : `listener-${l.Port}`;
        out.push({
          kind: 'listener',
          name,
          id: l.ListenerArn,
          arn: l.ListenerArn,
          props: { protocol: l.Protocol, certificate: l.Certificates?.[0]?.CertificateArn ?? null, defaultAction: describeAction(l.DefaultActions) },
        });
      }
    }
  }

  let tgs;
  try {
    tgs = await client.send(new sdk.DescribeTargetGroupsCommand({ Names: [names.targetGroup] }));
  } catch (e) {
    if (!isAwsError(e, 'TargetGroupNotFound', 'TargetGroupNotFoundException')) throw awsFailure(e, 'elasticloadbalancing:DescribeTargetGroups', `target group ${names.targetGroup}`);
  }
  const tg = tgs?.TargetGroups?.[0];
  if (tg?.TargetGroupArn !== undefined) {
    const tags = await tagsOf(region, tg.TargetGroupArn);
    if (tags[TAG_CLUSTER] !== cluster) {
      out.push({ kind: 'target-group', name: 'target-group', id: tg.TargetGroupArn, arn: tg.TargetGroupArn, foreign: foreign(`target group ${names.targetGroup}`, tags), props: {} });
    } else {
      const health = await call('elasticloadbalancing:DescribeTargetHealth', `target group ${names.targetGroup}`, () =>
        client.send(new sdk.DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn })),
      );
      const targets = (health.TargetHealthDescriptions ?? []).flatMap((d) => (d.Target?.Id ? [{ id: d.Target.Id, health: d.TargetHealth?.State ?? 'unknown' }] : []));
      out.push({
        kind: 'target-group',
        name: 'target-group',
        id: tg.TargetGroupArn,
        arn: tg.TargetGroupArn,
        props: {
          vpc: tg.VpcId,
          port: tg.Port,
          healthCheckPath: tg.HealthCheckPath,
          healthyHttpCodes: tg.Matcher?.HttpCode,
          targets: targets.map((t) => t.id).sort(),
          targetHealth: Object.fromEntries(targets.map((t) => [t.id, t.health])),
        },
      });
    }
  }
  return out;
}

export async function createTargetGroup(ctx: ElbContext, spec: ResolvedOf<'target-group'>): Promise<ResourceIds> {
  const { sdk, client } = await elbv2(ctx.region);
  const out = await call(
    'elasticloadbalancing:CreateTargetGroup',
    `target group ${spec.targetGroupName}`,
    () =>
      client.send(
        new sdk.CreateTargetGroupCommand({
          Name: spec.targetGroupName,
          Protocol: 'HTTP',
          Port: spec.port,
          VpcId: spec.vpc,
          TargetType: 'instance',
          HealthCheckProtocol: 'HTTP',
          HealthCheckPath: spec.healthCheckPath,
          HealthCheckIntervalSeconds: 15,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 3,
          Matcher: { HttpCode: spec.healthyHttpCodes },
          Tags: toAwsTags(spec.tags),
        }),
      ),
    { hint: `a target group named ${spec.targetGroupName} exists with other settings; delete it and run the same command again` },
  );
  const arn = out.TargetGroups?.[0]?.TargetGroupArn;
  if (arn === undefined) throw new FutuswarmError('aws', 'elasticloadbalancing:CreateTargetGroup returned no ARN');
  await updateTargetGroup(ctx, arn, spec, { targets: [], healthCheckPath: spec.healthCheckPath, healthyHttpCodes: spec.healthyHttpCodes });
  return { id: arn, arn };
}

export async function updateTargetGroup(
  ctx: ElbContext,
  arn: string,
  spec: ResolvedOf<'target-group'>,
  current: { targets: string[]; healthCheckPath?: unknown; healthyHttpCodes?: unknown },
): Promise<ResourceIds> {
  const { sdk, client } = await elbv2(ctx.region);
  const what = `target group ${spec.targetGroupName}`;
  if (current.healthCheckPath !== spec.healthCheckPath || current.healthyHttpCodes !== spec.healthyHttpCodes) {
    await call('elasticloadbalancing:ModifyTargetGroup', what, () =>
      client.send(new sdk.ModifyTargetGroupCommand({ TargetGroupArn: arn, HealthCheckPath: spec.healthCheckPath, Matcher: { HttpCode: spec.healthyHttpCodes } })),
    );
  }
  const wanted = spec.targets;
  const add = wanted.filter((t) => !current.targets.includes(t));
  const remove = current.targets.filter((t) => !wanted.includes(t));
  if (add.length > 0) {
    await call('elasticloadbalancing:RegisterTargets', what, () =>
      client.send(new sdk.RegisterTargetsCommand({ TargetGroupArn: arn, Targets: add.map((Id) => ({ Id, Port: spec.port })) })),
    );
  }
  if (remove.length > 0) {
    await call('elasticloadbalancing:DeregisterTargets', what, () =>
      client.send(new sdk.DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: remove.map((Id) => ({ Id })) })),
    );
  }
  return { id: arn, arn };
}

export async function deleteTargetGroup(ctx: ElbContext, arn: string): Promise<void> {
  const { sdk, client } = await elbv2(ctx.region);
  await waitFor(`target group ${arn} to be released`, async () => {
    try {
      await client.send(new sdk.DeleteTargetGroupCommand({ TargetGroupArn: arn }));
      return true;
    } catch (e) {
      if (isAwsError(e, 'TargetGroupNotFound', 'TargetGroupNotFoundException')) return true;
      if (isAwsError(e, 'ResourceInUse', 'ResourceInUseException')) return undefined;
      throw awsFailure(e, 'elasticloadbalancing:DeleteTargetGroup', `target group ${arn}`);
    }
  }, ctx.wait);
}

export async function createLoadBalancer(ctx: ElbContext, spec: ResolvedOf<'load-balancer'>): Promise<ResourceIds> {
  const { sdk, client } = await elbv2(ctx.region);
  const out = await call(
    'elasticloadbalancing:CreateLoadBalancer',
    `load balancer ${spec.loadBalancerName}`,
    () =>
      client.send(
        new sdk.CreateLoadBalancerCommand({
          Name: spec.loadBalancerName,
          Type: 'application',
          Scheme: 'internet-facing',
          IpAddressType: 'ipv4',
          Subnets: spec.subnets,
          SecurityGroups: spec.securityGroups,
          Tags: toAwsTags(spec.tags),
        }),
      ),
    { hint: `a load balancer named ${spec.loadBalancerName} exists with other settings; delete it and run the same command again` },
  );
  const lb = out.LoadBalancers?.[0];
  if (lb?.LoadBalancerArn === undefined) throw new FutuswarmError('aws', 'elasticloadbalancing:CreateLoadBalancer returned no ARN');
  await dropInvalidHeaders(client, sdk, lb.LoadBalancerArn, `load balancer ${spec.loadBalancerName}`);
  return { id: lb.LoadBalancerArn, arn: lb.LoadBalancerArn, ...(lb.DNSName === undefined ? {} : { dnsName: lb.DNSName }) };
}

/** The ALB attribute that drops headers with characters outside RFC 7230's tokens (request smuggling). */
const DROP_INVALID_HEADERS = 'routing.http.drop_invalid_header_fields.enabled';

async function dropsInvalidHeaders(client: ElbClient, sdk: ElbSdk, arn: string, name: string): Promise<boolean> {
  const out = await call('elasticloadbalancing:DescribeLoadBalancerAttributes', `load balancer ${name}`, () =>
    client.send(new sdk.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn })),
  );
  return out.Attributes?.find((a) => a.Key === DROP_INVALID_HEADERS)?.Value === 'true';
}

async function dropInvalidHeaders(client: ElbClient, sdk: ElbSdk, arn: string, what: string): Promise<void> {
  await call('elasticloadbalancing:ModifyLoadBalancerAttributes', what, () =>
    client.send(new sdk.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: DROP_INVALID_HEADERS, Value: 'true' }] })),
  );
}

export async function updateLoadBalancer(
  ctx: ElbContext,
  arn: string,
  spec: ResolvedOf<'load-balancer'>,
  current: { subnets?: unknown; securityGroups?: unknown; dropInvalidHeaders?: unknown },
): Promise<void> {
  const { sdk, client } = await elbv2(ctx.region);
  const what = `load balancer ${spec.loadBalancerName}`;
  const subnets = [...(spec.subnets)].sort();
  const groups = [...(spec.securityGroups)].sort();
  if (JSON.stringify(current.subnets) !== JSON.stringify(subnets)) {
    await call('elasticloadbalancing:SetSubnets', what, () => client.send(new sdk.SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: subnets })));
  }
  if (JSON.stringify(current.securityGroups) !== JSON.stringify(groups)) {
    await call('elasticloadbalancing:SetSecurityGroups', what, () => client.send(new sdk.SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: groups })));
  }
  if (current.dropInvalidHeaders !== true) await dropInvalidHeaders(client, sdk, arn, what);
}

export async function deleteLoadBalancer(ctx: ElbContext, arn: string): Promise<void> {
  const { sdk, client } = await elbv2(ctx.region);
  try {
    await client.send(new sdk.DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
  } catch (e) {
    if (isAwsError(e, 'LoadBalancerNotFound', 'LoadBalancerNotFoundException')) return;
    throw awsFailure(e, 'elasticloadbalancing:DeleteLoadBalancer', `load balancer ${arn}`);
  }
  // Its network interfaces keep the subnets and security group busy until it is gone.
  await waitFor(`load balancer ${arn} to be deleted`, async () => {
    try {
      const out = await client.send(new sdk.DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }));
      return (out.LoadBalancers ?? []).length === 0 ? true : undefined;
    } catch (e) {
      if (isAwsError(e, 'LoadBalancerNotFound', 'LoadBalancerNotFoundException')) return true;
      throw awsFailure(e, 'elasticloadbalancing:DescribeLoadBalancers', `load balancer ${arn}`);
    }
  }, ctx.wait);
}

function listenerSettings(spec: ResolvedOf<'listener'>) {
  if (spec.targetGroup === null) {
    return {
      Protocol: 'HTTP' as const,
      Port: spec.port,
      DefaultActions: [{ Type: 'redirect' as const, RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' as const } }],
    };
  }
  if (spec.certificate === null) throw new FutuswarmError('internal', `the HTTPS listener on port ${spec.port} has no certificate`);
  return {
    Protocol: 'HTTPS' as const,
    Port: spec.port,
    SslPolicy: TLS_POLICY,
    Certificates: [{ CertificateArn: spec.certificate }],
    DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: spec.targetGroup }],
  };
}

export async function createListener(ctx: ElbContext, spec: ResolvedOf<'listener'>): Promise<ResourceIds> {
  const { sdk, client } = await elbv2(ctx.region);
  const out = await call('elasticloadbalancing:CreateListener', `listener on port ${spec.port}`, () =>
    client.send(new sdk.CreateListenerCommand({ LoadBalancerArn: spec.loadBalancer, ...listenerSettings(spec), Tags: toAwsTags(spec.tags) })),
  );
  const arn = out.Listeners?.[0]?.ListenerArn;
  if (arn === undefined) throw new FutuswarmError('aws', 'elasticloadbalancing:CreateListener returned no ARN');
  return { id: arn, arn };
}

export async function updateListener(ctx: ElbContext, arn: string, spec: ResolvedOf<'listener'>): Promise<ResourceIds> {
  const { sdk, client } = await elbv2(ctx.region);
  await call('elasticloadbalancing:ModifyListener', `listener on port ${spec.port}`, () =>
    client.send(new sdk.ModifyListenerCommand({ ListenerArn: arn, ...listenerSettings(spec) })),
  );
  return { id: arn, arn };
}

export async function deleteListener(ctx: ElbContext, arn: string): Promise<void> {
  const { sdk, client } = await elbv2(ctx.region);
  try {
    await client.send(new sdk.DeleteListenerCommand({ ListenerArn: arn }));
  } catch (e) {
    if (isAwsError(e, 'ListenerNotFound', 'ListenerNotFoundException')) return;
    throw awsFailure(e, 'elasticloadbalancing:DeleteListener', `listener ${arn}`);
  }
}
