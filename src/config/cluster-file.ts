/**
 * The cluster file (`prod.yaml`): everything `futuswarm admin cluster:*` needs to build a
 * cluster on AWS. One zod schema is the source of truth for validation, defaults, the JSON
 * schema and the reference page (docs/cluster-file.md, scripts/gen-cluster-docs.ts).
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { domainName, userName } from '../core/names.ts';
import { appsOnManagers } from '../core/placement.ts';
import { taskLimitsSchema } from '../core/task-limits-schema.ts';
import { ldapConfigSchema } from './ldap-config.ts';
import { usersFileSchema } from './users-file.ts';

/** Cluster names end up in AWS names with length limits (ALB, target group, bucket): keep them short. */
export const clusterName = z
  .string()
  .min(2, 'must be at least 2 characters')
  .max(20, 'must be at most 20 characters')
  .regex(/^[a-z][a-z0-9-]*[a-z0-9]$/, 'must be lowercase letters, digits and hyphens, start with a letter and not end with a hyphen')
  .refine((n) => !n.includes('--'), 'must not contain two hyphens in a row');

const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-north-1');

function parseCidr(cidr: string): { address: number; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((address & ~mask) >>> 0 !== 0) return undefined;
  return { address, prefix };
}

/** Docker's local bridges (docker0, docker_gwbridge) take their subnets from here. */
const DOCKER_BRIDGES = { address: (172 << 24 | 16 << 16) >>> 0, prefix: 12 };

function overlaps(a: { address: number; prefix: number }, b: { address: number; prefix: number }): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((a.address & mask) >>> 0) === ((b.address & mask) >>> 0);
}

const ipv4Cidr = z
  .string()
  .refine((c) => parseCidr(c) !== undefined, 'must be an IPv4 network in CIDR notation with no host bits set, such as 10.42.0.0/16');

const awsTagKey = z
  .string()
  .min(1)
  .max(128)
  .refine((k) => !k.startsWith('aws:') && !k.startsWith('futuswarm:'), 'must not start with "aws:" or "futuswarm:" (reserved)');

const amiId = z.string().regex(/^ami-[0-9a-f]{8,17}$/, 'must be an AMI id such as ami-0123456789abcdef0');

/**
 * Graviton (arm64) instance types: a `g` in the family after its generation (t4g, m7gd, c6gn,
 * x2gd, g5g), and the first generation, a1. The agent bundle and its Node are linux-x64.
 */
export function isArmInstanceType(type: string): boolean {
  const family = type.split('.')[0] ?? '';
  return family === 'a1' || /^[a-z]+\d+[a-z]*g/.test(family.split('-')[0] ?? '');
}

const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type such as t3.small')
  .refine((t) => !isArmInstanceType(t), 'is a Graviton (arm64) type, and nodes run the linux-x64 agent: choose an x86-64 type such as t3.small or m7i.large');

const networkSchema = z.strictObject({
  vpcCidr: ipv4Cidr
    .default('10.42.0.0/16')
    .describe('Address range of the cluster VPC (prefix /16 to /23). Each subnet gets a slice 4 bits longer; a load balancer needs /27 or larger.'),
  overlayPool: ipv4Cidr
    .default('10.128.0.0/12')
    .describe('Where Swarm takes the /24 subnets of its overlay networks (`docker swarm init --default-addr-pool`, /8 to /20). Must not overlap the VPC, or containers cannot reach the databases and the VPC resolver; nor Docker\'s local bridges (172.17.0.0/16 and up).'),
  zones: z
    .number()
    .int()
    .min(2)
    .max(6)
    .default(2)
    .describe('How many availability zones to spread subnets and nodes over (the load balancer needs at least 2). The first ones of the region are used unless `availabilityZones` names them.'),
  availabilityZones: z
    .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/, 'must be an availability zone such as eu-north-1a'))
    .optional()
    .describe('Exact availability zones to use, overriding `zones`. At least 2, all in `region`.'),
  sshCidrs: z
    .array(ipv4Cidr)
    .min(1, 'must list at least one network: without it nobody can reach the managers over SSH')
    .describe('Networks allowed to reach the nodes over SSH (port 22): your office or VPN ranges. Everything else is closed.'),
});

const nodesSchema = z.strictObject({
  managers: z
    .number()
    .int()
    .min(1)
    .max(7)
    .default(1)
    .describe('Swarm managers (1, 3, 5 or 7: an odd number keeps a Raft majority). Managers run Traefik and receive traffic from the load balancer.'),
  workers: z.number().int().min(0).max(100).default(2).describe('Swarm workers: they run app containers only.'),
  appsOnManagers: appsOnManagers
    .default('auto')
    .describe('Whether app tasks may run on managers. `auto`: not as soon as at least one worker is active and ready (checked at every deploy, scale, restart and rollback), anywhere otherwise. `always`: anywhere. `never`: on workers only; a deploy is refused while no worker can take its tasks.'),
  defaultAppLimits: taskLimitsSchema()
    .optional()
    .describe('What one task of an app may use when the app sets no limits of its own (`app:deploy --cpus/--memory`): `cpus` (fractions allowed) and `memoryMb`. An app that sets one of them keeps it and takes the other from here. Without it, tasks are unlimited.'),
  instanceType: instanceType.default('t3.small').describe('EC2 instance type of every node.'),
  managerInstanceType: instanceType.optional().describe('EC2 instance type of managers, when different from `instanceType`.'),
  volumeGb: z.number().int().min(8).max(16384).default(30).describe('Size of each node\'s encrypted root volume (gp3), in GiB.'),
  image: z
    .strictObject({
      id: amiId.optional().describe('A fixed AMI id. Without it the newest image matching `owner` and `name` is used when the launch template is created.'),
      owner: z.string().regex(/^(\d{12}|self|amazon)$/, 'must be an AWS account id, "self" or "amazon"').default('136693071363').describe('Account that publishes the image (136693071363 is Debian).'),
      name: z.string().min(1).max(128).default('debian-12-amd64-*').describe('Image name pattern (`*` matches anything).'),
    })
    .prefault({})
    .describe('The machine image of every node: Debian 12 by default.'),
  sshKeyName: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Name of an EC2 key pair for emergency access as the image\'s default user. futuswarm users never need it.'),
});

const proxySchema = z.strictObject({
  port: z.number().int().min(1).max(65535).default(80).describe('Port Traefik listens on, on the managers; the load balancer forwards plain HTTP to it.'),
  healthCheckPath: z.string().regex(/^\/[\x21-\x7e]*$/, 'must be a path starting with /').default('/').describe('Path the load balancer probes on each manager.'),
  healthyHttpCodes: z
    .string()
    .regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, 'must be HTTP codes such as 200 or 200-499')
    .default('200-499')
    .describe('Answers that count as healthy. Traefik answers 404 for unknown hosts, which still proves it is up.'),
});

const tlsSchema = z.strictObject({
  certificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, 'must be an ACM certificate ARN')
    .optional()
    .describe('Use this existing ACM certificate instead of requesting a wildcard certificate for `*.<domain>`.'),
});

const databasesSchema = z.strictObject({
  shared: z
    .boolean()
    .default(false)
    .describe('Create one PostgreSQL instance for the whole cluster; `db:create` then makes a database and a role on it per app.'),
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t4g.micro').default('db.t4g.micro').describe('RDS instance class of the shared instance.'),
  engineVersion: z.string().regex(/^\d+(\.\d+)?$/, 'must be a PostgreSQL version such as 16 or 16.4').default('16').describe('PostgreSQL major (or major.minor) version.'),
  storageGb: z.number().int().min(20).max(65536).default(20).describe('Allocated storage of the shared instance, in GiB (encrypted, gp3).'),
  backupRetentionDays: z.number().int().min(1).max(35).default(7).describe('Days of automated backups to keep.'),
});

const cachesSchema = z.strictObject({
  nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as cache.t4g.micro').default('cache.t4g.micro').describe('Default ElastiCache node type for `cache:create`.'),
  engineVersion: z.string().regex(/^\d+(\.\d+)?$/, 'must be a Redis version such as 7.1').default('7.1').describe('Redis engine version.'),
});

const accessSchema = z.strictObject({
  admins: z
    .array(userName)
    .min(1, 'must name at least one admin')
    .describe('People (LDAP uids or names in `users`) who administer the cluster.'),
  ldap: ldapConfigSchema
    .optional()
    .describe('Where the agent looks up people and their SSH keys: the `ldap:` settings of the agent config (see templates/agent.yaml.example), copied to every manager.'),
  users: usersFileSchema.shape.users
    .optional()
    .describe('A static list of people and their SSH keys, for clusters without LDAP. Written to /etc/futuswarm/users.yaml on every manager.'),
});

export const clusterFileSchema = z
  .strictObject({
    name: clusterName.describe('Name of the cluster: part of every AWS resource name and tag (`futuswarm:cluster=<name>`). Never change it once the cluster exists.'),
    region: region.describe('AWS region the cluster lives in.'),
    domain: domainName.describe('Apps are served at https://<app>.<domain>. A wildcard certificate for *.<domain> is requested unless `tls.certificateArn` is set.'),
    network: networkSchema.describe('The VPC and who may reach the nodes.'),
    nodes: nodesSchema.prefault({}).describe('The EC2 instances that form the swarm.'),
    proxy: proxySchema.prefault({}).describe('How the load balancer reaches Traefik on the managers.'),
    tls: tlsSchema.prefault({}).describe('HTTPS on the load balancer.'),
    databases: databasesSchema.prefault({}).describe('RDS PostgreSQL for apps (`db:create`).'),
    caches: cachesSchema.prefault({}).describe('ElastiCache Redis for apps (`cache:create`).'),
    state: z
      .strictObject({
        bucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
          .optional()
          .describe('Name of the state bucket. Default: futuswarm-<name>-<account id>-<region>, which is unique worldwide.'),
        requireTls: z
          .boolean()
          .default(true)
          .describe('A bucket policy refuses every request that does not use TLS. Turn off only for S3-compatible test endpoints that cannot evaluate policy conditions.'),
        oldVersionDays: z
          .number()
          .int()
          .min(30)
          .max(3650)
          .default(400)
          .describe('Days an object version is kept after a newer one replaced it (or it was deleted); current versions never expire. A rollback needs the secrets version its release ran with, so keep this longer than you would roll back.'),
      })
      .prefault({})
      .describe('Where the cluster keeps its state (app secrets, releases, audit).'),
    agent: z
      .strictObject({
        bundleKey: z
          .string()
          // Without `*`: the workers' IAM policy names this key, where `*` would be a wildcard.
          .regex(/^[A-Za-z0-9!_.'()/-]+$/, 'must be an S3 object key without *')
          .default('dist/futuswarm-agent-linux-x64.tar.gz')
          .describe('Object in the state bucket holding the agent bundle that nodes install at boot. No `*`: the workers\' IAM policy names this key.'),
        nodeBinary: z
          .string()
          .min(1)
          .optional()
          .describe('Path, on the machine running `admin cluster:bootstrap`, of a linux-x64 Node.js (22 or later) `bin/node` to put into the agent bundle. Default: the Node.js running the CLI, when that is linux-x64; required on other systems (macOS, arm64).'),
      })
      .prefault({})
      .describe('How nodes get the futuswarm agent.'),
    access: accessSchema.describe('Who may use the cluster.'),
    tags: z
      .record(awsTagKey, z.string().max(256))
      .default({})
      .describe('Extra tags put on every AWS resource (cost centre, owner…).'),
  })
  .superRefine((c, ctx) => {
    const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (c.nodes.managers % 2 === 0) problem(['nodes', 'managers'], 'must be odd (1, 3, 5 or 7) so the managers keep a majority when one fails');
    const vpc = parseCidr(c.network.vpcCidr);
    // 16 subnets, 4 bits longer: a /24 VPC gives /28 subnets, and a load balancer needs /27.
    if (vpc && (vpc.prefix < 16 || vpc.prefix > 23)) problem(['network', 'vpcCidr'], 'must have a prefix between /16 and /23 (its subnets are 4 bits longer, and a load balancer needs /27 or larger)');
    const pool = parseCidr(c.network.overlayPool);
    if (pool && (pool.prefix < 8 || pool.prefix > 20)) problem(['network', 'overlayPool'], 'must have a prefix between /8 and /20 (Swarm cuts /24 subnets from it)');
    if (pool && vpc && overlaps(pool, vpc)) problem(['network', 'overlayPool'], `must not overlap network.vpcCidr (${c.network.vpcCidr}): containers could not reach the VPC's databases and resolver`);
    if (pool && overlaps(pool, DOCKER_BRIDGES)) problem(['network', 'overlayPool'], 'must not overlap 172.16.0.0/12, where Docker puts docker0 and docker_gwbridge');
    const zones = c.network.availabilityZones;
    if (zones !== undefined) {
      if (zones.length < 2) problem(['network', 'availabilityZones'], 'must list at least 2 zones');
      if (new Set(zones).size !== zones.length) problem(['network', 'availabilityZones'], 'must not list a zone twice');
      zones.forEach((z, i) => {
        if (!z.startsWith(c.region)) problem(['network', 'availabilityZones', i], `must be a zone of ${c.region}`);
      });
    }
    c.network.sshCidrs.forEach((cidr, i) => {
      if (parseCidr(cidr)?.prefix === 0) problem(['network', 'sshCidrs', i], 'must not be the whole Internet: list the networks your people connect from');
    });
    if (c.access.ldap === undefined && c.access.users === undefined) {
      problem(['access'], 'needs `ldap` or `users`: otherwise nobody can log in');
    }
    if (c.access.ldap === undefined && c.access.users !== undefined) {
      c.access.admins.forEach((admin, i) => {
        if (!Object.hasOwn(c.access.users!, admin)) problem(['access', 'admins', i], `"${admin}" is not in access.users`);
      });
    }
  });

export type ClusterConfig = z.output<typeof clusterFileSchema>;
export type ClusterFileInput = z.input<typeof clusterFileSchema>;

/** Where a cluster keeps its state: enough to find the bucket and the key. */
export type ClusterStateScope = Pick<ClusterConfig, 'name' | 'region'> & { state: Pick<ClusterConfig['state'], 'bucket'> };

/**
 * What app databases and caches need of a cluster. The agent on a manager has this much (from
 * its own config), not the whole cluster file.
 */
export type DataServicesScope = ClusterStateScope & Pick<ClusterConfig, 'tags' | 'databases' | 'caches'>;

/** Validate an already parsed cluster file; every problem is reported with its path. */
export function parseClusterConfig(value: unknown, source = 'cluster file'): ClusterConfig {
  const options = { code: 'config', hint: 'see docs/cluster-file.md for every setting' } as const;
  refuseReservedKeys(value, source, options);
  return parseWith(clusterFileSchema, value, source, options);
}

/** Read, parse and validate a cluster file. */
export async function loadClusterFile(path: string): Promise<ClusterConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FutuswarmError(code === 'ENOENT' ? 'not_found' : 'config', `cannot read the cluster file ${path}: ${(e as Error).message}`, {
      hint: code === 'ENOENT' ? 'create one with: futuswarm admin cluster:init <name>' : undefined,
    });
  }
  // The default export, as everywhere else: the bundle's interop for this CommonJS module has no named exports.
  const { default: YAML } = await import('yaml');
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => e.message.split('\n')[0] ?? e.message);
    throw new FutuswarmError('config', `${path} is not valid YAML:\n  ${lines.join('\n  ')}`, { details: { issues: lines } });
  }
  return parseClusterConfig(doc.toJS() ?? {}, `cluster file ${path}`);
}

/** The commented cluster file that `admin cluster:init <name>` writes. It validates as written. */
export function renderClusterFileTemplate(name: string): string {
  parseWith(clusterName, name, 'cluster name', { hint: 'for example: futuswarm admin cluster:init prod' });
  return `# futuswarm cluster file: \`futuswarm admin cluster:bootstrap -f ${name}.yaml\` builds this cluster on AWS.
# Every setting is described in docs/cluster-file.md. Settings left out take their defaults.

# Part of every AWS resource name and tag. Never change it once the cluster exists.
name: ${name}
region: eu-north-1

# Apps are served at https://<app>.<domain>. Point a wildcard DNS record *.<domain> at the
# load balancer once bootstrap has printed its address; the certificate for *.<domain> is
# validated with the DNS record that bootstrap prints.
domain: ${name}.example.com

network:
  vpcCidr: 10.42.0.0/16
  zones: 2
  # Who may reach the nodes over SSH: your office or VPN ranges. Replace this example.
  sshCidrs:
    - 203.0.113.0/24

nodes:
  managers: 1            # 1, 3 or 5; managers run Traefik behind the load balancer
  workers: 2
  appsOnManagers: auto   # auto: apps keep off managers once a worker takes tasks; always; never
  instanceType: t3.small
  volumeGb: 30
  # image: { id: ami-0123456789abcdef0 }   # default: the newest official Debian 12 image

proxy:
  port: 80               # Traefik's port on the managers

databases:
  shared: false          # true: one PostgreSQL instance for all apps (db:create makes a database per app)
  instanceClass: db.t4g.micro

caches:
  nodeType: cache.t4g.micro

access:
  admins:
    - alice
  # Either people and their keys here …
  users:
    alice:
      keys: []           # e.g. - ssh-ed25519 AAAA… alice@laptop
  # … or an LDAP directory with sshPublicKey attributes:
  # ldap:
  #   url: ldaps://ldap.example.com
  #   bindDn: cn=futuswarm,ou=services,dc=example,dc=com   # its password: admin cluster:ldap-password
  #   baseDn: ou=people,dc=example,dc=com

# Extra tags on every AWS resource.
tags: {}
`;
}
