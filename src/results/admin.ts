/** What the agent answers to the admin ops (proxy, registry, audit) and to db/cache. */
import * as z from 'zod';
import { appName, registryHostName, userName } from '../core/names.ts';
import type { Op } from '../protocol.ts';
import { auditRecordSchema } from '../state/audit.ts';

const count = z.number().int().nonnegative();
const port = z.number().int().min(1).max(65535);
const isoTime = z.iso.datetime();
/** What a secrets change and the restart after it add to a db/cache answer (src/agent/secrets-restart.ts). */
const restarted = {
  restarted: z.boolean(),
  /** The release the app now runs, when it was restarted. */
  release: z.number().int().optional(),
};

// admin.proxy.*

const proxyDeployResult = z.strictObject({
  service: z.string(),
  changed: z.boolean(),
  image: z.string(),
  httpPort: port,
  /** Only with TLS on the proxy (proxy.httpsPort in the agent config). */
  httpsPort: port.optional(),
  /** Managers whose proxy task runs the new configuration. */
  tasks: count,
});
export type ProxyDeployResult = z.output<typeof proxyDeployResult>;

const proxyTask = z.strictObject({
  id: z.string(),
  node: z.string(),
  state: z.string(),
  desiredState: z.string(),
  error: z.string().optional(),
  since: isoTime,
});
const proxyRoute = z.strictObject({
  router: z.string(),
  rule: z.string(),
  service: z.string(),
  status: z.string(),
  serversUp: count,
  servers: count,
});
/** The proxy's API as this manager reaches it; `reason` says why it is not reachable. */
const proxyApi = z.discriminatedUnion('reachable', [
  z.strictObject({ reachable: z.literal(true), url: z.string(), version: z.string() }),
  z.strictObject({ reachable: z.literal(false), url: z.string().optional(), reason: z.string() }),
]);
const proxyStatusDeployed = z.strictObject({
  deployed: z.literal(true),
  /** Without its digest. */
  image: z.string(),
  /** Whether the service runs what the agent config asks for. */
  upToDate: z.boolean(),
  /** Swarm's last rolling update, when there was one. */
  update: z.strictObject({ state: z.string(), message: z.string() }).optional(),
  /** Running tasks and those that ended in the last ten minutes, at most 20. */
  tasks: z.array(proxyTask),
  api: proxyApi,
  routes: z.array(proxyRoute),
});
export type ProxyStatusDeployed = z.output<typeof proxyStatusDeployed>;
const proxyStatusResult = z.discriminatedUnion('deployed', [
  z.strictObject({
    deployed: z.literal(false),
    tasks: z.array(proxyTask).max(0),
    api: proxyApi,
    routes: z.array(proxyRoute).max(0),
  }),
  proxyStatusDeployed,
]);
export type ProxyStatusResult = z.output<typeof proxyStatusResult>;

// admin.agent.status

/** One manager's agent: the resident one (with its figures), or an agent process per request. */
export const agentView = z.strictObject({
  mode: z.enum(['daemon', 'per-request']),
  version: z.string().max(100),
  pid: z.number().int().positive().optional(),
  startedAt: isoTime.optional(),
  uptimeSeconds: z.number().min(0).optional(),
  requests: z.number().int().min(0).optional(),
  /** Whether it holds the leader lease and runs the cluster's periodic work. */
  leader: z.boolean().optional(),
  /** The content hash of the agent bundle it runs (null: installed another way). */
  bundle: z.string().max(100).nullable().optional(),
});
export type AgentView = z.output<typeof agentView>;
const agentStatusResult = z.strictObject({
  managers: z.array(
    z.strictObject({
      node: z.string(),
      addr: z.string().nullable(),
      managerStatus: z.string().nullable(),
      /** The manager whose agent answered this request. */
      answered: z.boolean(),
      agent: agentView.nullable(),
      /** Why its agent could not be asked, or did not answer. */
      error: z.string().optional(),
    }),
  ),
});
export type AgentStatusResult = z.output<typeof agentStatusResult>;

/** What one node's agent became (node.agent.upgrade answers with it). */
export const nodeAgentUpgrade = z.strictObject({
  outcome: z.enum(['upgraded', 'unchanged']),
  before: z.string().nullable(),
  after: z.string(),
  agent: agentView,
});
const agentUpgradeResult = z.strictObject({
  bundle: z.string(),
  nodes: z.array(
    z.strictObject({
      node: z.string(),
      role: z.enum(['manager', 'worker']),
      /** `skipped`: the node is down; `not tried`: an earlier node failed, so the upgrade stopped. */
      outcome: z.enum(['upgraded', 'unchanged', 'failed', 'skipped', 'not tried']),
      before: z.string().nullable().optional(),
      agent: agentView.nullable(),
      error: z.string().optional(),
    }),
  ),
});
export type AgentUpgradeResult = z.output<typeof agentUpgradeResult>;

// admin.registry.*

const registryDeployResult = z.strictObject({
  service: z.string(),
  changed: z.boolean(),
  image: z.string(),
  /** Where nodes reach it: 127.0.0.1:<port> on each of them. */
  address: z.string(),
  /** s3://bucket/prefix */
  storage: z.string(),
  tasks: count,
});
export type RegistryDeployResult = z.output<typeof registryDeployResult>;

const registryGcResult = z.strictObject({
  dryRun: z.boolean(),
  storage: z.string(),
  /** Blobs (layers and configs) some manifest still names. */
  blobsMarked: count,
  /** Blobs deleted, or that a dry run would delete. */
  blobsDeleted: count,
  bytesDeleted: count,
  manifestsDeleted: count,
  /** What the storage holds afterwards (before, in a dry run). */
  blobsLeft: z.number().int(),
  bytesLeft: z.number().int(),
  seconds: z.number().nonnegative(),
});
export type RegistryGcResult = z.output<typeof registryGcResult>;

const registryLogin = z.strictObject({
  host: registryHostName,
  username: z.string(),
  addedBy: userName,
  addedAt: isoTime,
});

// db.* and cache.*

const dataKind = z.enum(['shared', 'dedicated']);
const endpoint = z.strictObject({ host: z.string(), port });

const dbCreateResult = z.strictObject({
  app: appName,
  engine: z.literal('postgres'),
  kind: dataKind,
  /** The RDS instance: the shared one or the app's own. */
  instance: z.string(),
  host: z.string(),
  port,
  database: z.string(),
  user: z.string(),
  /** The secret that holds the URL; never the URL. */
  secret: z.literal('DATABASE_URL'),
  secretsVersion: z.string().nullable(),
  ...restarted,
});
export type DbCreateResult = z.output<typeof dbCreateResult>;

const dbInfoResult = z.strictObject({
  app: appName,
  engine: z.literal('postgres'),
  kind: dataKind,
  /** From the app's DATABASE_URL: null when it has none. */
  host: z.string().nullable(),
  port: port.nullable(),
  database: z.string().nullable(),
  user: z.string().nullable(),
  secret: z.literal('DATABASE_URL').nullable(),
  /** The RDS instance as AWS describes it: null when not found. */
  instance: z
    .strictObject({
      id: z.string(),
      status: z.string(),
      class: z.string().nullable(),
      engineVersion: z.string().nullable(),
      endpoint: endpoint.nullable(),
    })
    .nullable(),
});
export type DbInfoResult = z.output<typeof dbInfoResult>;

const dbDestroyResult = z.strictObject({
  app: appName,
  kind: dataKind,
  database: z.string(),
  user: z.string(),
  /** The final snapshot of a dedicated instance. */
  snapshot: z.string().nullable(),
  secretRemoved: z.boolean(),
  ...restarted,
});
export type DbDestroyResult = z.output<typeof dbDestroyResult>;

const cacheCreateResult = z.strictObject({
  app: appName,
  engine: z.literal('redis'),
  /** The ElastiCache replication group. */
  cache: z.string(),
  status: z.string(),
  host: z.string(),
  port,
  tls: z.boolean(),
  secret: z.literal('REDIS_URL'),
  secretsVersion: z.string().nullable(),
  ...restarted,
});
export type CacheCreateResult = z.output<typeof cacheCreateResult>;

const cacheInfoResult = z.strictObject({
  app: appName,
  engine: z.literal('redis'),
  cache: z.string(),
  /** ElastiCache's status, or `absent`. */
  status: z.string(),
  /** As ElastiCache reports it (null without a group). */
  endpoint: endpoint.nullable(),
  transitEncryption: z.boolean().nullable(),
  authToken: z.boolean().nullable(),
  /** From the app's REDIS_URL: null when it has none. */
  host: z.string().nullable(),
  port: port.nullable(),
  tls: z.boolean().nullable(),
  secret: z.literal('REDIS_URL').nullable(),
});
export type CacheInfoResult = z.output<typeof cacheInfoResult>;

const cacheDestroyResult = z.strictObject({
  app: appName,
  cache: z.string(),
  /** Whether there was a group to delete. */
  deleted: z.boolean(),
  secretRemoved: z.boolean(),
  ...restarted,
});
export type CacheDestroyResult = z.output<typeof cacheDestroyResult>;

/** A node of the swarm as `admin node:list` shows it. */
export const nodeViewSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: z.enum(['manager', 'worker']),
  /** active, pause or drain. */
  availability: z.string(),
  /** ready, down, unknown or disconnected. */
  state: z.string(),
  /** leader, reachable or unreachable for managers; null for workers. */
  managerStatus: z.string().nullable(),
  address: z.string().nullable(),
  engineVersion: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  /** Tasks running on it now, of every service. */
  tasks: z.number().int().min(0),
  /** The manager that answered. */
  self: z.boolean(),
});
export const nodeListResultSchema = z.strictObject({ nodes: z.array(nodeViewSchema) });
export type NodeListResult = z.output<typeof nodeListResultSchema>;

/** Which node an admin node command acted on. */
const nodeNamed = z.strictObject({ id: z.string(), name: z.string() });

const nodeDrainResult = z.strictObject({
  node: nodeNamed,
  availability: z.literal('drain'),
  /** False when it was drained already. */
  changed: z.boolean(),
  /** False with --no-wait: the tasks were left moving. */
  waited: z.boolean(),
  /** Tasks of replicated services that were on the node when the drain began. */
  tasks: count,
  /** Of those, how many run elsewhere now (as many as `tasks` after a wait). */
  moved: count,
  /** Each replicated service that had a task on the node, and what runs of it elsewhere now. */
  services: z.array(z.strictObject({ service: z.string(), app: appName.nullable(), running: count, desired: count })),
  /** Global services (one task per node) that now run on no node, such as the proxy on the only manager. */
  stranded: z.array(z.string()),
  seconds: z.number().nonnegative(),
});
export type NodeDrainResult = z.output<typeof nodeDrainResult>;

const nodeRemoveResult = z.strictObject({
  node: nodeNamed,
  removed: z.literal(true),
  /** It was a manager, demoted first (--force). */
  demoted: z.boolean(),
  /** Removed although it was ready or still ran tasks (--force). */
  forced: z.boolean(),
  /** Its SSH host key record in the state bucket was deleted. */
  hostKeyForgotten: z.boolean(),
});
export type NodeRemoveResult = z.output<typeof nodeRemoveResult>;

const nodeLabelResult = z.strictObject({
  node: nodeNamed,
  /** All its labels afterwards. */
  labels: z.record(z.string(), z.string()),
  /** Each label that changed; `from` null: added, `to` null: removed. */
  changes: z.array(z.strictObject({ key: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
  changed: z.boolean(),
});
export type NodeLabelResult = z.output<typeof nodeLabelResult>;

export const ADMIN_RESULTS = {
  'admin.node.list': nodeListResultSchema,
  'admin.node.drain': nodeDrainResult,
  'admin.node.activate': z.strictObject({ node: nodeNamed, availability: z.literal('active'), changed: z.boolean() }),
  'admin.node.remove': nodeRemoveResult,
  'admin.node.label': nodeLabelResult,
  'admin.proxy.deploy': proxyDeployResult,
  'admin.proxy.status': proxyStatusResult,
  'admin.agent.status': agentStatusResult,
  'admin.agent.upgrade': agentUpgradeResult,
  'admin.registry.deploy': registryDeployResult,
  'admin.registry.gc': registryGcResult,
  'admin.registry.add': z.strictObject({ host: registryHostName, username: z.string(), replaced: z.boolean() }),
  'admin.registry.list': z.strictObject({
    /** The cluster's own registry, as nodes reach it. */
    cluster: z.string(),
    registries: z.array(registryLogin),
  }),
  'admin.registry.remove': z.strictObject({ host: registryHostName, removed: z.literal(true) }),
  'admin.audit': z.strictObject({
    /** Newest first. */
    records: z.array(auditRecordSchema),
    /** Whether older records matched too. */
    truncated: z.boolean(),
    since: isoTime.nullable(),
  }),
  'db.create': dbCreateResult,
  'db.info': dbInfoResult,
  'db.destroy': dbDestroyResult,
  'cache.create': cacheCreateResult,
  'cache.info': cacheInfoResult,
  'cache.destroy': cacheDestroyResult,
} satisfies Partial<Record<Op, z.ZodType>>;
