/**
 * cluster:bootstrap / status / destroy against moto. Every test names its own cluster, so runs
 * share one moto server without resetting it.
 *
 * Over 400 lines because the tests of one describe follow one cluster through its life (created,
 * run again without changes, resources deleted and rules added by hand mended, destroyed), each
 * starting from what the one before left: split, every file would bootstrap its own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeLaunchTemplatesCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DisassociateIamInstanceProfileCommand,
  EC2Client,
  ReplaceIamInstanceProfileAssociationCommand,
  TerminateInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import {
  DeleteListenerCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateRoleCommand, DeleteRoleCommand, GetInstanceProfileCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AppState } from '../../src/agent/app-state.ts';
import { agentConfigSchema, type AgentConfig } from '../../src/config/agent-config.ts';
import { applyBootstrap, bootstrapCluster, clusterStatus, formatStatus, planClusterBootstrap } from '../../src/admin/bootstrap.ts';
import { destroyCluster } from '../../src/admin/destroy.ts';
import { kmsKeyService } from '../../src/aws/kms.ts';
import { s3ObjectStore } from '../../src/aws/state-store.ts';
import { parseClusterConfig, type ClusterConfig, type ClusterFileInput } from '../../src/config/cluster-file.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { formatPlan } from '../../src/core/plan-bootstrap.ts';
import { buildKeyPolicy, buildNodePolicy, buildWorkerPolicy } from '../../src/core/plan-iam.ts';
import { clusterResourceNames, stateBucketName } from '../../src/core/plan-names.ts';
import { MOTO_ENDPOINT, uniqueName, useMoto } from '../helpers/moto.ts';

const REGION = 'eu-north-1';
const ACCOUNT = '123456789012';
const wait = { intervalMs: 50, timeoutMs: 60_000 };
const applyOptions = { wait, certificateTimeoutMs: 120_000 };

// A small stand-in for a linux-x64 `node` (an ELF x86-64 header): packing the real one takes seconds.
const NODE_BINARY = join(mkdtempSync(join(tmpdir(), 'fs-node-')), 'node');
const elf = Buffer.alloc(4096);
Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(elf);
elf[18] = 0x3e;
writeFileSync(NODE_BINARY, elf);

function clusterConfig(overrides: Partial<ClusterFileInput> = {}): ClusterConfig {
  const name = uniqueName('fs');
  return parseClusterConfig({
    name,
    region: REGION,
    domain: `${name}.example.com`,
    network: { sshCidrs: ['203.0.113.0/24'] },
    nodes: { image: { id: 'ami-760aaa0f' } },
    // moto applies bucket policies without evaluating their conditions (it would deny even TLS requests).
    state: { requireTls: false },
    agent: { nodeBinary: NODE_BINARY },
    access: { admins: ['alice'], users: { alice: { keys: [] } } },
    tags: { team: 'platform' },
    ...overrides,
  });
}

let ec2: EC2Client;
let elb: ElasticLoadBalancingV2Client;
let iam: IAMClient;
let kms: KMSClient;
let s3: S3Client;
let acm: ACMClient;

function tagsOf(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

const byCluster = (name: string) => [{ Name: 'tag:futuswarm:cluster', Values: [name] }];

/** An instance's cloud-init files, and its agent config as the agent parses it. */
async function userDataOf(instanceId: string): Promise<{ files: Map<string, string>; agent: AgentConfig }> {
  const attr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'userData' }));
  const userData = Buffer.from(attr.UserData!.Value!, 'base64').toString('utf8');
  assert.ok(userData.startsWith('#cloud-config\n'), instanceId);
  const files = new Map((parse(userData) as { write_files: { path: string; content: string }[] }).write_files.map((f) => [f.path, f.content]));
  return { files, agent: agentConfigSchema.parse(parse(files.get('/etc/futuswarm/agent.yaml')!)) };
}

/** The cluster's state as an agent on a node opens it: the bucket and the key alias of its config. */
function agentState(config: ClusterConfig): AppState {
  return new AppState({
    cluster: config.name,
    store: s3ObjectStore(stateBucketName(config, ACCOUNT), { region: REGION }),
    keys: kmsKeyService(clusterResourceNames(config.name).keyAlias, { region: REGION }),
  });
}

/** `type base64` of an OpenSSH private key, as ssh-keygen derives it. */
function publicHalfOf(privateKey: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fs-node-key-'));
  try {
    const file = join(dir, 'key');
    writeFileSync(file, privateKey, { mode: 0o600 });
    return execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function exists(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || /NotFound|NoSuchEntity/.test((e as Error).name)) return false;
    throw e;
  }
}

/** How many of each resource of the cluster AWS reports, by Describe* calls. */
async function census(config: ClusterConfig) {
  const names = clusterResourceNames(config.name);
  const Filters = byCluster(config.name);
  const [vpcs, subnets, igws, tables, groups, templates, instances] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters })),
    ec2.send(new DescribeSubnetsCommand({ Filters })),
    ec2.send(new DescribeInternetGatewaysCommand({ Filters })),
    ec2.send(new DescribeRouteTablesCommand({ Filters })),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters })),
    ec2.send(new DescribeLaunchTemplatesCommand({ Filters })),
    ec2.send(new DescribeInstancesCommand({ Filters: [...Filters, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopped'] }] })),
  ]);
  return {
    vpcs: vpcs.Vpcs?.length ?? 0,
    subnets: subnets.Subnets?.length ?? 0,
    internetGateways: igws.InternetGateways?.length ?? 0,
    routeTables: tables.RouteTables?.length ?? 0,
    securityGroups: groups.SecurityGroups?.length ?? 0,
    launchTemplates: templates.LaunchTemplates?.length ?? 0,
    instances: (instances.Reservations ?? []).flatMap((r) => r.Instances ?? []).length,
    role: await exists(() => iam.send(new GetRoleCommand({ RoleName: names.nodeRole }))),
    instanceProfile: await exists(() => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: names.nodeProfile }))),
    workerRole: await exists(() => iam.send(new GetRoleCommand({ RoleName: names.workerRole }))),
    workerProfile: await exists(() => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: names.workerProfile }))),
    keyAlias: await exists(() => kms.send(new DescribeKeyCommand({ KeyId: names.keyAlias }))),
    bucket: await exists(() => s3.send(new HeadBucketCommand({ Bucket: stateBucketName(config, ACCOUNT) }))),
    loadBalancer: await exists(() => elb.send(new DescribeLoadBalancersCommand({ Names: [names.loadBalancer] }))),
  };
}

const NOTHING = {
  vpcs: 0,
  subnets: 0,
  internetGateways: 0,
  routeTables: 0,
  securityGroups: 0,
  launchTemplates: 0,
  instances: 0,
  role: false,
  instanceProfile: false,
  workerRole: false,
  workerProfile: false,
  keyAlias: false,
  bucket: false,
  loadBalancer: false,
};

const EVERYTHING = {
  vpcs: 1,
  subnets: 2,
  internetGateways: 1,
  routeTables: 1,
  securityGroups: 4,
  launchTemplates: 1,
  instances: 3,
  role: true,
  instanceProfile: true,
  workerRole: true,
  workerProfile: true,
  keyAlias: true,
  bucket: true,
  loadBalancer: true,
};

before(async () => {
  useMoto();
  const config = { region: REGION };
  ec2 = new EC2Client(config);
  elb = new ElasticLoadBalancingV2Client(config);
  iam = new IAMClient(config);
  kms = new KMSClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  acm = new ACMClient(config);
  const res = await fetch(`${MOTO_ENDPOINT}/moto-api/`).catch((e: Error) => e);
  assert.ok(!(res instanceof Error), `moto is not running at ${MOTO_ENDPOINT} (start it: MOTO_ACM_VALIDATION_WAIT=0 moto_server -H 127.0.0.1 -p 5055)`);
});

describe('cluster:bootstrap --plan', () => {
  test('on an empty account lists every resource and creates none', async () => {
    const config = clusterConfig({ databases: { shared: true } });
    const progress: string[] = [];
    const plan = await planClusterBootstrap(config, { onProgress: (m) => progress.push(m) });
    assert.deepEqual(progress, [`looking up cluster ${config.name} in ${REGION}`]);
    assert.ok(plan.steps.every((s) => s.action === 'create'));
    assert.deepEqual(
      [...new Set(plan.steps.map((s) => s.kind))],
      ['kms-key', 'kms-alias', 's3-bucket', 'agent-bundle', 'node-key', 'certificate', 'vpc', 'subnet', 'internet-gateway', 'route-table', 'security-group', 'security-group-rules', 'iam-role', 'instance-profile', 'launch-template', 'db-subnet-group', 'secret-object', 'db-instance', 'instance', 'target-group', 'load-balancer', 'listener', 'state-object'],
    );
    assert.equal(plan.steps.filter((s) => s.kind === 'instance').length, 3);
    assert.match(formatPlan(plan), /35 to create, 0 to update, 0 unchanged$/);
    assert.match(formatPlan(plan), /^\+ create +agent-bundle +agent-bundle +\(not uploaded yet\)$/m);
    assert.match(formatPlan(plan), /^\+ create +node-key +node-key +\(not generated yet\)$/m);
    assert.deepEqual(await census(config), NOTHING);
  });
});

describe('cluster:bootstrap, status and destroy', () => {
  // The default image lookup (newest image by owner and name), with one of moto's images.
  const config = clusterConfig({ nodes: { image: { owner: '137112412989', name: 'amzn2-ami-hvm-*' } } });
  const names = clusterResourceNames(config.name);
  const bucket = stateBucketName(config, ACCOUNT);

  test('creates every resource with the cluster\'s tags, rules and policies', async () => {
    const progress: string[] = [];
    const result = await bootstrapCluster(config, { ...applyOptions, onProgress: (m) => progress.push(m) });
    assert.equal(result.noChanges, false);
    assert.equal(result.created.length, 33);
    assert.ok(result.created.indexOf('agent-bundle') < result.created.indexOf('manager-1'));
    assert.ok(result.created.indexOf('node-key') < result.created.indexOf('manager-1'));
    assert.deepEqual(result.updated, []);
    assert.ok(progress.includes('creating vpc vpc (10.42.0.0/16)'), progress.join('\n'));
    assert.deepEqual(await census(config), EVERYTHING);

    // Tags: ours, the file's, and a readable Name.
    const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: byCluster(config.name) }))).Vpcs![0]!;
    assert.deepEqual(tagsOf(vpc.Tags), { team: 'platform', Name: `futuswarm-${config.name}-vpc`, 'futuswarm:cluster': config.name, 'futuswarm:role': 'vpc' });
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: byCluster(config.name) }))).Subnets!;
    assert.equal(new Set(subnets.map((s) => s.AvailabilityZone)).size, 2);
    assert.ok(subnets.every((s) => s.MapPublicIpOnLaunch && s.VpcId === vpc.VpcId));

    // Firewall: nothing but the load balancer's 80/443 is open to the Internet.
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: byCluster(config.name) }))).SecurityGroups!;
    const role = (g: { Tags?: Tag[] }) => tagsOf(g.Tags)['futuswarm:role'];
    const open = groups.flatMap((g) => (g.IpPermissions ?? []).filter((p) => (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0')).map((p) => `${role(g)} ${p.IpProtocol}/${p.FromPort}`));
    assert.deepEqual(open.sort(), ['sg-lb tcp/443', 'sg-lb tcp/80']);
    const nodes = groups.find((g) => role(g) === 'sg-nodes')!;
    const lb = groups.find((g) => role(g) === 'sg-lb')!;
    // AWS may report one port's address ranges and groups in one permission or in several.
    const rule = (port: number, protocol = 'tcp') => {
      const found = nodes.IpPermissions!.filter((p) => p.FromPort === port && p.IpProtocol === protocol);
      return { IpRanges: found.flatMap((p) => p.IpRanges ?? []), UserIdGroupPairs: found.flatMap((p) => p.UserIdGroupPairs ?? []) };
    };
    assert.deepEqual(rule(80).UserIdGroupPairs.map((g) => g.GroupId), [lb.GroupId]);
    assert.deepEqual(rule(22).IpRanges.map((r) => r.CidrIp), ['203.0.113.0/24']);
    // Managers reach every node's sshd for the node channel (app:exec).
    assert.deepEqual(rule(22).UserIdGroupPairs.map((g) => g.GroupId), [nodes.GroupId]);
    for (const [port, protocol] of [[2377, 'tcp'], [7946, 'tcp'], [7946, 'udp'], [4789, 'udp']] as const) {
      assert.deepEqual(rule(port, protocol).UserIdGroupPairs.map((g) => g.GroupId), [nodes.GroupId], `${protocol}/${port}`);
      assert.deepEqual(rule(port, protocol).IpRanges, []);
    }
    assert.deepEqual(lb.IpPermissionsEgress!.map((p) => [p.FromPort, p.UserIdGroupPairs?.map((g) => g.GroupId)]), [[80, [nodes.GroupId]]]);

    // IAM: the generated least-privilege policy, on a role only EC2 can assume.
    const key = (await kms.send(new DescribeKeyCommand({ KeyId: names.keyAlias }))).KeyMetadata!;
    // The key carries its own policy, not the account default.
    const keyPolicy = (await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId!, PolicyName: 'default' }))).Policy!;
    assert.deepEqual(JSON.parse(keyPolicy), buildKeyPolicy({ accountId: key.AWSAccountId!, region: REGION, cluster: config.name }));
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: names.nodeRole, PolicyName: names.nodeRolePolicy }));
    assert.deepEqual(JSON.parse(decodeURIComponent(policy.PolicyDocument!)), buildNodePolicy({ cluster: config.name, region: REGION, bucket, keyArn: key.Arn! }));
    const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: names.nodeProfile }));
    assert.deepEqual(profile.InstanceProfile!.Roles!.map((r) => r.RoleName), [names.nodeRole]);
    // Workers have a role of their own: the join token, the agent bundle and nodes/*, through S3 only.
    const workerPolicy = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: names.workerRole, PolicyName: names.workerRolePolicy }))).PolicyDocument!));
    assert.deepEqual(workerPolicy, buildWorkerPolicy({ region: REGION, bucket, keyArn: key.Arn!, agentBundleKey: config.agent.bundleKey }));
    const workerResources = (workerPolicy.Statement as { Resource: string | string[] }[]).flatMap((st) => st.Resource);
    assert.deepEqual(workerResources.filter((r) => r.includes('apps/') || r.endsWith(`${bucket}/*`) || r === '*'), []);
    const workerActions = (workerPolicy.Statement as { Action: string[] }[]).flatMap((st) => st.Action);
    assert.deepEqual(workerActions.filter((a) => !a.startsWith('s3:') && !a.startsWith('kms:')), []);
    assert.deepEqual(workerActions.filter((a) => /^(rds|elasticache|ec2|iam):/.test(a)), []);
    const workerRole = (await iam.send(new GetRoleCommand({ RoleName: names.workerRole }))).Role!;
    assert.deepEqual(JSON.parse(decodeURIComponent(workerRole.AssumeRolePolicyDocument!)).Statement.map((st: { Principal: unknown }) => st.Principal), [{ Service: 'ec2.amazonaws.com' }]);
    assert.equal(tagsOf(workerRole.Tags)['futuswarm:cluster'], config.name);
    const workerProfile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: names.workerProfile }))).InstanceProfile!;
    assert.deepEqual(workerProfile.Roles!.map((r) => r.RoleName), [names.workerRole]);
    assert.equal(tagsOf(workerProfile.Tags)['futuswarm:cluster'], config.name);

    // State bucket: versioned, encrypted with the cluster key, not public.
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status, 'Enabled');
    // Replaced versions expire after state.oldVersionDays, the registry's after a day; current ones never do.
    const lifecycle = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
    assert.deepEqual(
      lifecycle.map((r) => [r.ID, r.Status, r.Filter?.Prefix, r.NoncurrentVersionExpiration?.NoncurrentDays, r.Expiration?.Days, r.Expiration?.ExpiredObjectDeleteMarker]),
      [['futuswarm-old-versions', 'Enabled', '', 400, undefined, true], ['futuswarm-registry-versions', 'Enabled', 'registry/', 1, undefined, undefined]],
    );
    const sse = (await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!;
    assert.deepEqual([sse.SSEAlgorithm, sse.KMSMasterKeyID], ['aws:kms', key.Arn]);
    assert.deepEqual((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    assert.equal(tagsOf((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet)['futuswarm:cluster'], config.name);

    // The agent bundle that managers download at first boot: encrypted with the cluster key, the agent inside.
    const bundle = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dist/futuswarm-agent-linux-x64.tar.gz' }));
    assert.equal(bundle.ServerSideEncryption, 'aws:kms');
    assert.match(bundle.Metadata?.['futuswarm-content-hash'] ?? '', /^sha256:[0-9a-f]{64}$/);
    const tarball = join(mkdtempSync(join(tmpdir(), 'fs-bundle-')), 'agent.tar.gz');
    writeFileSync(tarball, await bundle.Body!.transformToByteArray());
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(listing.filter((p) => !p.startsWith('lib/chunks/')), ['bin/', 'bin/futuswarm-agent', 'bin/futuswarm-relay', 'bin/node', 'lib/', 'lib/agent.js', 'lib/package.json', 'probe/', 'probe/futuswarm-probe']);
    assert.ok(listing.includes('lib/chunks/') && listing.some((p) => /^lib\/chunks\/[\w-]+\.js$/.test(p)), listing.join('\n'));
    assert.ok(progress.includes('uploading agent-bundle agent-bundle to s3://…/dist/futuswarm-agent-linux-x64.tar.gz'), progress.join('\n'));

    // Instances: started from the launch template, each with its own cloud-init.
    const template = (await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: byCluster(config.name) }))).LaunchTemplates![0]!;
    const data = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: template.LaunchTemplateId, Versions: ['$Default'] }))).LaunchTemplateVersions![0]!.LaunchTemplateData!;
    assert.equal(data.MetadataOptions?.HttpTokens, 'required');
    assert.equal(data.BlockDeviceMappings?.[0]?.Ebs?.Encrypted, true);
    // The size and encryption apply to the image's own root device, whatever the image calls it.
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [data.ImageId!] }))).Images![0]!;
    assert.equal(data.BlockDeviceMappings?.[0]?.DeviceName, image.RootDeviceName);
    // Started from the template by hand, an instance gets the narrower profile.
    assert.equal(data.IamInstanceProfile?.Arn, workerProfile.Arn);
    assert.match(data.ImageId ?? '', /^ami-/);
    const instances = (await ec2.send(new DescribeInstancesCommand({ Filters: [...byCluster(config.name), { Name: 'instance-state-name', Values: ['running'] }] }))).Reservations!.flatMap((r) => r.Instances!);
    const byRole = new Map(instances.map((i) => [tagsOf(i.Tags)['futuswarm:role']!, i]));
    assert.deepEqual([...byRole.keys()].sort(), ['manager-1', 'worker-1', 'worker-2']);
    assert.equal(tagsOf(byRole.get('manager-1')!.Tags)['futuswarm:node-kind'], 'manager');
    for (const [name, instance] of byRole) {
      const { files } = await userDataOf(instance.InstanceId!);
      assert.match(files.get('/etc/futuswarm/node.env')!, new RegExp(`^FUTUSWARM_NODE=${name}$`, 'm'));
      assert.equal(instance.InstanceType, 't3.small');
      assert.equal(instance.IamInstanceProfile?.Arn, name.startsWith('manager') ? profile.InstanceProfile!.Arn : workerProfile.Arn, name);
    }

    // The node key: sealed in the bucket, readable by the agent's own code with the key alias
    // its config names; its public half in the agent config of every node, managers and workers.
    const nodeKey = await agentState(config).clusterSecrets.readNodeKey();
    assert.match(nodeKey.publicKey, new RegExp(`^ssh-ed25519 [A-Za-z0-9+/]+=* futuswarm-node@${config.name}$`));
    assert.match(nodeKey.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    assert.equal(publicHalfOf(nodeKey.privateKey), nodeKey.publicKey.split(' ').slice(0, 2).join(' '));
    const sealed = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cluster/node-key' }));
    assert.doesNotMatch(await sealed.Body!.transformToString(), /PRIVATE KEY/);
    assert.equal(result.ids['node-key']!.publicKey, nodeKey.publicKey);
    for (const [name, instance] of byRole) {
      const agent = (await userDataOf(instance.InstanceId!)).agent;
      assert.equal(agent.role, name.startsWith('manager') ? 'manager' : 'worker', name);
      assert.deepEqual(agent.nodeChannel, { publicKey: nodeKey.publicKey, from: ['10.42.0.0/16'], port: 22 }, name);
    }

    // Load balancer: HTTP redirects to HTTPS; HTTPS uses the wildcard certificate and forwards to the managers.
    const alb = (await elb.send(new DescribeLoadBalancersCommand({ Names: [names.loadBalancer] }))).LoadBalancers![0]!;
    const attributes = (await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: alb.LoadBalancerArn! }))).Attributes ?? [];
    assert.equal(attributes.find((a) => a.Key === 'routing.http.drop_invalid_header_fields.enabled')?.Value, 'true', 'malformed headers are dropped at the edge');
    assert.equal(alb.Scheme, 'internet-facing');
    assert.deepEqual(alb.SecurityGroups, [lb.GroupId]);
    const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: alb.LoadBalancerArn }))).Listeners!;
    const http = listeners.find((l) => l.Port === 80)!;
    const https = listeners.find((l) => l.Port === 443)!;
    assert.deepEqual(http.DefaultActions![0]!.RedirectConfig, { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' });
    assert.equal(https.Protocol, 'HTTPS');
    const cert = (await acm.send(new DescribeCertificateCommand({ CertificateArn: https.Certificates![0]!.CertificateArn }))).Certificate!;
    assert.equal(cert.DomainName, `*.${config.domain}`);
    assert.deepEqual(cert.SubjectAlternativeNames?.sort(), [`*.${config.domain}`, config.domain].sort());
    const targetGroup = https.DefaultActions![0]!.TargetGroupArn!;
    const targets = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroup }))).TargetHealthDescriptions!;
    assert.deepEqual(targets.map((t) => t.Target!.Id), [byRole.get('manager-1')!.InstanceId]);

    // The ids, written to the cluster state.
    const stateObject = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cluster/state.json' }));
    assert.equal(stateObject.ServerSideEncryption, 'aws:kms');
    const state = JSON.parse(await stateObject.Body!.transformToString()) as { cluster: string; loadBalancerDnsName: string; resources: Record<string, { id: string }> };
    assert.equal(state.cluster, config.name);
    assert.equal(state.resources.vpc!.id, vpc.VpcId);
    assert.equal(state.resources['worker-2']!.id, byRole.get('worker-2')!.InstanceId);
    assert.equal(state.loadBalancerDnsName, alb.DNSName);
    assert.equal(result.loadBalancerDnsName, alb.DNSName);
    assert.equal(result.stateObject, `s3://${bucket}/cluster/state.json`);
  });

  test('a second run creates nothing and reports no changes', async () => {
    const progress: string[] = [];
    const keyBefore = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cluster/node-key' }));
    const result = await bootstrapCluster(config, { ...applyOptions, onProgress: (m) => progress.push(m) });
    assert.equal(result.noChanges, true);
    // The node key is kept: the same object version, the same public half.
    assert.equal(result.plan.steps.find((s) => s.name === 'node-key')!.action, 'keep');
    const keyAfter = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cluster/node-key' }));
    assert.equal(keyAfter.VersionId, keyBefore.VersionId);
    assert.equal(result.ids['node-key']!.publicKey, (await agentState(config).clusterSecrets.readNodeKey()).publicKey);
    assert.deepEqual([result.created, result.updated], [[], []]);
    assert.ok(progress.includes('no changes: the cluster matches the file'));
    assert.deepEqual(await census(config), EVERYTHING);
    const status = await clusterStatus(config);
    assert.equal(status.ok, true, formatStatus(status));
    assert.deepEqual(status.nodes.map((n) => [n.name, n.state]).sort(), [['manager-1', 'running'], ['worker-1', 'running'], ['worker-2', 'running']]);
  });

  test('resources deleted by hand are recreated, and only those', async () => {
    const status = await clusterStatus(config);
    const worker = status.rows.find((r) => r.name === 'worker-1')!.id!;
    const listener = status.rows.find((r) => r.name === 'listener-http')!.id!;
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker] }));
    await elb.send(new DeleteListenerCommand({ ListenerArn: listener }));

    const after = await clusterStatus(config);
    assert.deepEqual(after.rows.filter((r) => r.status !== 'ok').map((r) => [r.name, r.status]), [
      ['worker-1', 'missing'],
      ['listener-http', 'missing'],
      ['state', 'changed'],
    ]);
    const result = await bootstrapCluster(config, applyOptions);
    assert.deepEqual(result.created, ['worker-1', 'listener-http']);
    assert.deepEqual(result.updated, ['state']);
    assert.notEqual(result.ids['worker-1']!.id, worker);
    assert.deepEqual(await census(config), EVERYTHING);
    // A node launched by a later run gets the key that exists, read back from the bucket.
    const { agent } = await userDataOf(result.ids['worker-1']!.id);
    assert.equal(agent.nodeChannel?.publicKey, (await agentState(config).clusterSecrets.readNodeKey()).publicKey);
  });

  test('a firewall rule added by hand shows as drift and the next bootstrap removes it', async () => {
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [...byCluster(config.name), { Name: 'tag:futuswarm:role', Values: ['sg-nodes'] }] }))).SecurityGroups!;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groups[0]!.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const status = await clusterStatus(config);
    assert.deepEqual(status.rows.filter((r) => r.status !== 'ok').map((r) => [r.name, r.status, r.details]), [['sg-nodes-rules', 'changed', ['ingress differs']]]);
    assert.match(formatStatus(status), /changed +security-group-rules sg-nodes-rules/);
    const result = await bootstrapCluster(config, applyOptions);
    assert.deepEqual(result.updated, ['sg-nodes-rules']);
    const again = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groups[0]!.GroupId!] }))).SecurityGroups![0]!;
    assert.ok(!(again.IpPermissions ?? []).some((p) => (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0')));
    assert.equal((await clusterStatus(config)).ok, true);
  });

  test('workers started with the managers\' profile (or none) get the worker profile in place', async () => {
    const profileArn = async (name: string) => (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!.Arn!;
    const [nodeArn, workerArn] = [await profileArn(names.nodeProfile), await profileArn(names.workerProfile)];
    const instanceIds = Object.fromEntries((await clusterStatus(config)).nodes.map((n) => [n.name, n.id]));
    const associationOf = async (name: string) =>
      (
        await ec2.send(
          new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [instanceIds[name]!] }, { Name: 'state', Values: ['associated'] }] }),
        )
      ).IamInstanceProfileAssociations?.[0];
    // As before workers had a role of their own; and one whose profile was taken away.
    await ec2.send(new ReplaceIamInstanceProfileAssociationCommand({ AssociationId: (await associationOf('worker-1'))!.AssociationId, IamInstanceProfile: { Arn: nodeArn } }));
    await ec2.send(new DisassociateIamInstanceProfileCommand({ AssociationId: (await associationOf('worker-2'))!.AssociationId }));

    const status = await clusterStatus(config);
    assert.deepEqual(status.rows.filter((r) => r.status !== 'ok').map((r) => [r.name, r.status, r.details]), [
      ['worker-1', 'changed', [`instanceProfile: ${nodeArn} → ${workerArn}`]],
      ['worker-2', 'changed', [`instanceProfile: null → ${workerArn}`]],
    ]);
    const result = await bootstrapCluster(config, applyOptions);
    assert.deepEqual([result.created, result.updated], [[], ['worker-1', 'worker-2']]);
    assert.equal((await associationOf('worker-1'))?.IamInstanceProfile?.Arn, workerArn);
    assert.equal((await associationOf('worker-2'))?.IamInstanceProfile?.Arn, workerArn);
    assert.equal((await associationOf('manager-1'))?.IamInstanceProfile?.Arn, nodeArn);
    assert.equal((await clusterStatus(config)).ok, true);
  });

  test('destroy needs the cluster name as confirmation', async () => {
    await assert.rejects(destroyCluster(config, { confirm: 'prod' }), (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input' && e.hint === `futuswarm admin cluster:destroy -f <file> --confirm ${config.name}`);
    assert.deepEqual(await census(config), EVERYTHING);
  });

  test('destroy removes what bootstrap created and keeps the bucket and key', async () => {
    const progress: string[] = [];
    const result = await destroyCluster(config, { confirm: config.name, wait, onProgress: (m) => progress.push(m) });
    assert.deepEqual(result.kept.map((k) => k.name), ['key-alias', 'bucket', 'key']);
    assert.equal(result.deleted.length, 30);
    assert.ok(result.deleted.some((d) => d.kind === 'agent-bundle'));
    // The node key does not outlive the nodes: a cluster built again gets a new one.
    assert.ok(result.deleted.some((d) => d.kind === 'node-key'));
    assert.equal(await exists(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cluster/node-key' }))), false);
    assert.deepEqual(await census(config), { ...NOTHING, keyAlias: true, bucket: true });
    assert.equal(await exists(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'cluster/state.json' }))), false);
    const status = await clusterStatus(config);
    assert.deepEqual(status.rows.filter((r) => r.status === 'ok').map((r) => r.name), ['key', 'key-alias', 'bucket']);
  });

  test('destroy --delete-data removes the bucket and schedules the key for deletion', async () => {
    const keyId = (await kms.send(new DescribeKeyCommand({ KeyId: names.keyAlias }))).KeyMetadata!.KeyId!;
    const result = await destroyCluster(config, { confirm: config.name, deleteData: true, wait });
    assert.deepEqual(result.deleted.map((d) => d.name), ['key-alias', 'bucket', 'key']);
    assert.deepEqual(await census(config), NOTHING);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState, 'PendingDeletion');
  });
});

describe('an interrupted bootstrap', () => {
  test('stops at a name conflict with a clear error, and a re-run after the fix completes', async () => {
    const config = clusterConfig({ nodes: { workers: 1, image: { id: 'ami-760aaa0f' } } });
    const names = clusterResourceNames(config.name);
    // Someone else's role with the name the cluster needs.
    await iam.send(new CreateRoleCommand({ RoleName: names.nodeRole, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));

    const plan = await planClusterBootstrap(config);
    assert.equal(plan.steps.find((s) => s.name === 'node-role')!.conflict, `IAM role ${names.nodeRole} already exists and is not tagged for this cluster`);
    await assert.rejects(applyBootstrap(plan, applyOptions), (e: unknown) => {
      assert.ok(e instanceof FutuswarmError);
      assert.equal(e.code, 'conflict');
      assert.equal(e.message, `cluster:bootstrap stopped at iam-role node-role (step 20 of 32): IAM role ${names.nodeRole} already exists and is not tagged for this cluster`);
      assert.match(e.hint ?? '', /run the same command again to continue/);
      return true;
    });
    const half = await census(config);
    assert.deepEqual([half.vpcs, half.securityGroups, half.role, half.instances, half.loadBalancer], [1, 4, true, 0, false]);
    const vpcBefore = (await ec2.send(new DescribeVpcsCommand({ Filters: byCluster(config.name) }))).Vpcs![0]!.VpcId;

    await iam.send(new DeleteRoleCommand({ RoleName: names.nodeRole }));
    const result = await bootstrapCluster(config, applyOptions);
    assert.deepEqual(result.created.slice(0, 5), ['node-role', 'node-profile', 'worker-role', 'worker-profile', 'node-template']);
    // Made by the first run, before it stopped, and kept.
    assert.ok(!result.created.includes('node-key'));
    assert.ok(!result.created.includes('vpc'));
    assert.equal(result.ids.vpc!.id, vpcBefore);
    assert.deepEqual(await census(config), { ...EVERYTHING, instances: 2 });
    assert.equal((await bootstrapCluster(config, applyOptions)).noChanges, true);
    await destroyCluster(config, { confirm: config.name, deleteData: true, wait });
  });
});
