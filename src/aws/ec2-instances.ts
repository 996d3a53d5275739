/**
 * EC2 instances and their launch template: what a node boots from, starting and stopping
 * nodes, and the instance profile they run with. The network they live in is src/aws/ec2.ts.
 */
import { randomUUID } from 'node:crypto';
import type { _InstanceType, Instance } from '@aws-sdk/client-ec2';
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ResourceIds } from '../core/plan-resources.ts';
import { toAwsTags } from '../core/plan-names.ts';
import { awsFailure, call, isAwsError } from './aws-errors.ts';
import { ec2 } from './clients.ts';
import { waitFor } from './wait.ts';
import { tagSpec, type Ec2Context } from './ec2.ts';

/**
 * The device name of the image's root volume: the launch template's volume size and encryption
 * apply only to a mapping with exactly that name (Amazon Linux says /dev/xvda, Debian and Ubuntu
 * /dev/sda1 or /dev/xvda); another name would add a second, empty volume.
 */
async function rootDeviceOf(ctx: Ec2Context, imageId: string): Promise<string> {
  const { sdk, client } = await ec2(ctx.region);
  const out = await call('ec2:DescribeImages', `image ${imageId}`, () => client.send(new sdk.DescribeImagesCommand({ ImageIds: [imageId] })));
  const device = out.Images?.[0]?.RootDeviceName;
  if (device === undefined) throw new FutuswarmError('not_found', `image ${imageId} does not exist in ${ctx.region} or names no root device`, { hint: 'check nodes.image in the cluster file' });
  return device;
}

async function launchTemplateData(ctx: Ec2Context, spec: ResolvedOf<'launch-template'>, imageId: string) {
  const rootDevice = await rootDeviceOf(ctx, imageId);
  return {
    ImageId: imageId,
    InstanceType: spec.instanceType as _InstanceType,
    IamInstanceProfile: { Arn: spec.instanceProfile },
    SecurityGroupIds: [spec.securityGroup],
    ...(spec.keyName === null ? {} : { KeyName: spec.keyName }),
    // IMDSv2 only, one hop: containers on the node cannot borrow the node's AWS role.
    MetadataOptions: { HttpTokens: 'required' as const, HttpEndpoint: 'enabled' as const, HttpPutResponseHopLimit: 1 },
    BlockDeviceMappings: [{ DeviceName: rootDevice, Ebs: { VolumeSize: spec.volumeGb, VolumeType: 'gp3' as const, Encrypted: true, DeleteOnTermination: true } }],
    TagSpecifications: [{ ResourceType: 'volume' as const, Tags: toAwsTags(spec.tags) }],
  };
}

export async function createLaunchTemplate(ctx: Ec2Context, spec: ResolvedOf<'launch-template'>): Promise<ResourceIds> {
  if (spec.imageId === null) throw new FutuswarmError('internal', 'no image for the launch template');
  const { sdk, client } = await ec2(ctx.region);
  const data = await launchTemplateData(ctx, spec, spec.imageId);
  const out = await call(
    'ec2:CreateLaunchTemplate',
    `launch template ${spec.templateName}`,
    () =>
      client.send(
        new sdk.CreateLaunchTemplateCommand({
          LaunchTemplateName: spec.templateName,
          LaunchTemplateData: data,
          TagSpecifications: tagSpec('launch-template', spec.tags),
        }),
      ),
    { hint: `delete the launch template ${spec.templateName} if it is left over, then run the same command again` },
  );
  const id = out.LaunchTemplate?.LaunchTemplateId;
  if (id === undefined) throw new FutuswarmError('aws', 'ec2:CreateLaunchTemplate returned no id');
  return { id };
}

/** A new version with the wanted settings becomes the default; running instances keep theirs. */
export async function updateLaunchTemplate(ctx: Ec2Context, id: string, spec: ResolvedOf<'launch-template'>, currentImage: string): Promise<ResourceIds> {
  const { sdk, client } = await ec2(ctx.region);
  const data = await launchTemplateData(ctx, spec, spec.imageId ?? currentImage);
  const out = await call('ec2:CreateLaunchTemplateVersion', `launch template ${spec.templateName}`, () =>
    client.send(new sdk.CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, LaunchTemplateData: data })),
  );
  const version = out.LaunchTemplateVersion?.VersionNumber;
  await call('ec2:ModifyLaunchTemplate', `launch template ${spec.templateName}`, () =>
    client.send(new sdk.ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: String(version) })),
  );
  return { id };
}

export async function deleteLaunchTemplate(ctx: Ec2Context, id: string): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  try {
    await client.send(new sdk.DeleteLaunchTemplateCommand({ LaunchTemplateId: id }));
  } catch (e) {
    if (isAwsError(e, 'InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateId.Malformed')) return;
    throw awsFailure(e, 'ec2:DeleteLaunchTemplate', `launch template ${id}`);
  }
}

async function describeInstance(ctx: Ec2Context, id: string): Promise<Instance | undefined> {
  const { sdk, client } = await ec2(ctx.region);
  try {
    const out = await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [id] }));
    return out.Reservations?.[0]?.Instances?.[0];
  } catch (e) {
    if (isAwsError(e, 'InvalidInstanceID.NotFound')) return undefined;
    throw awsFailure(e, 'ec2:DescribeInstances', `instance ${id}`);
  }
}

export async function runInstance(ctx: Ec2Context, spec: ResolvedOf<'instance'>): Promise<ResourceIds> {
  const { sdk, client } = await ec2(ctx.region);
  const what = `instance ${spec.name}`;
  const run = () =>
    client.send(
      new sdk.RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: spec.launchTemplate, Version: '$Default' },
        InstanceType: spec.instanceType as _InstanceType,
        SubnetId: spec.subnet,
        // Overrides the template's: managers and workers have different roles.
        IamInstanceProfile: { Arn: spec.instanceProfile },
        UserData: Buffer.from(spec.userData, 'utf8').toString('base64'),
        MinCount: 1,
        MaxCount: 1,
        ClientToken: randomUUID(),
        TagSpecifications: tagSpec('instance', spec.tags),
      }),
    );
  const out = await whileProfileIsNew(ctx, what, 'ec2:RunInstances', run);
  const id = out.Instances?.[0]?.InstanceId;
  if (id === undefined) throw new FutuswarmError('aws', 'ec2:RunInstances returned no instance id');
  // Load balancer targets must be running to be registered.
  await waitFor(
    `${what} (${id}) to run`,
    async () => {
      const state = (await describeInstance(ctx, id))?.State?.Name;
      if (state === 'terminated' || state === 'shutting-down') {
        throw new FutuswarmError('aws', `${what} (${id}) stopped right after starting`, { hint: `see its console output: aws ec2 get-console-output --instance-id ${id}` });
      }
      return state === 'running' ? true : undefined;
    },
    ctx.wait,
  );
  return { id };
}

/** A new instance profile takes a few seconds to become usable by EC2: retry until it is. */
function whileProfileIsNew<T>(ctx: Ec2Context, what: string, action: string, send: () => Promise<T>): Promise<T> {
  return waitFor(
    `the instance profile to become usable for ${what}`,
    async () => {
      try {
        return await send();
      } catch (e) {
        if (isAwsError(e, 'InvalidParameterValue') && /iam/i.test((e as Error).message)) return undefined;
        throw awsFailure(e, action, what);
      }
    },
    { intervalMs: Math.min(ctx.wait?.intervalMs ?? 5000, 5000), timeoutMs: 120_000 },
  );
}

/**
 * Give a running instance another instance profile (a worker started while workers shared the
 * managers' role). Its processes get the new role's credentials when they next refresh them.
 */
export async function setInstanceProfile(ctx: Ec2Context, id: string, profileArn: string): Promise<ResourceIds> {
  const { sdk, client } = await ec2(ctx.region);
  const what = `instance ${id}`;
  const current = await call('ec2:DescribeIamInstanceProfileAssociations', what, () =>
    client.send(
      new sdk.DescribeIamInstanceProfileAssociationsCommand({
        Filters: [
          { Name: 'instance-id', Values: [id] },
          { Name: 'state', Values: ['associating', 'associated'] },
        ],
      }),
    ),
  );
  const association = current.IamInstanceProfileAssociations?.[0];
  if (association?.IamInstanceProfile?.Arn === profileArn) return { id };
  const IamInstanceProfile = { Arn: profileArn };
  await whileProfileIsNew(ctx, what, association?.AssociationId === undefined ? 'ec2:AssociateIamInstanceProfile' : 'ec2:ReplaceIamInstanceProfileAssociation', () =>
    association?.AssociationId === undefined
      ? client.send(new sdk.AssociateIamInstanceProfileCommand({ InstanceId: id, IamInstanceProfile }))
      : client.send(new sdk.ReplaceIamInstanceProfileAssociationCommand({ AssociationId: association.AssociationId, IamInstanceProfile })),
  );
  return { id };
}

export async function terminateInstance(ctx: Ec2Context, id: string): Promise<void> {
  const { sdk, client } = await ec2(ctx.region);
  try {
    await client.send(new sdk.TerminateInstancesCommand({ InstanceIds: [id] }));
  } catch (e) {
    if (isAwsError(e, 'InvalidInstanceID.NotFound')) return;
    throw awsFailure(e, 'ec2:TerminateInstances', `instance ${id}`);
  }
  // Its network interface keeps the security groups and subnet busy until it is gone.
  await waitFor(`instance ${id} to terminate`, async () => {
    const state = (await describeInstance(ctx, id))?.State?.Name;
    return state === undefined || state === 'terminated' ? true : undefined;
  }, ctx.wait);
}
