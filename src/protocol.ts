/**
 * The wire between CLI and agent: one JSON request line per SSH connection, answered by
 * JSON-lines events. Both sides validate with these schemas; nothing else crosses the wire.
 */
import * as z from 'zod';
import { healthPath } from './core/health-path.ts';
import { MAX_LINKS } from './core/app-settings.ts';
import { placementConstraints, spreadLabels } from './core/placement.ts';
import { ERROR_CODES } from './core/errors.ts';
import { labelChangeProblems, nodeLabelKey, nodeLabelSet } from './core/node-labels.ts';
import { nodeRef } from './core/node-ref.ts';
import { secretKeyName } from './core/secret-key.ts';
import { CONTROL_CHARACTERS_RULE, noControlCharacters } from './core/terminal-text.ts';
import { confirmationRule, type ConfirmedBy } from './core/confirm.ts';
import { appName, domainName, imageDigest, imageRepository, imageTag, registryHostName, userName } from './core/names.ts';
import { lazySchema, lazySchemas, once } from './core/lazy-schemas.ts';
import { taskLimitsSchema } from './core/task-limits-schema.ts';
import { VERSION } from './version.ts';

const secretKey = secretKeyName;

/** An agent bundle's content hash (src/core/agent-bundle.ts bundleContentHash). */
const bundleHash = lazySchema(() => z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be an agent bundle hash (sha256:<64 hex digits>)'));

/** Free text that others will see (a lock's message): one line, no control characters. */
const plainText = (max: number) => z.string().max(max).refine(noControlCharacters, CONTROL_CHARACTERS_RULE);

export const PROTOCOL_VERSION = 1;

/** What an op returns when it spoke raw bytes to its caller (app.push): serve() adds no result line. */
export const RELAYED: unique symbol = Symbol('relayed');

const resources = once(taskLimitsSchema);

/** The name of what a destructive op destroys, typed again (`--confirm`, src/core/confirm.ts). */
const confirmation = lazySchema(() => plainText(100));

/**
 * The check of a destructive op: `confirm` repeats the name `named` picks from its arguments
 * (undefined: this request destroys nothing, e.g. a dry run).
 */
function confirmedBy<T extends { confirm?: string | undefined }>(by: ConfirmedBy, named: (args: T) => string | undefined) {
  return (args: T, ctx: z.core.$RefinementCtx<T>): void => {
    const name = named(args);
    if (name !== undefined && args.confirm !== name) ctx.addIssue({ code: 'custom', path: ['confirm'], message: confirmationRule(by, name) });
  };
}

const healthArgs = once(() =>
  z.strictObject({
    path: healthPath.optional(),
    cmd: plainText(1000).min(1).optional(),
    timeoutSeconds: z.number().min(1).max(300).optional(),
    intervalSeconds: z.number().min(1).max(300).optional(),
    retries: z.number().int().min(1).max(20).optional(),
    startPeriodSeconds: z.number().min(0).max(600).optional(),
  }),
);

/** db.destroy, cache.destroy: `confirm` repeats the app's name, for the data is gone afterwards. */
const destroyDataArgs = once(() =>
  z.strictObject({ app: appName, confirm: confirmation, restart: z.boolean().default(true) }).superRefine(confirmedBy('app', (a) => a.app)),
);

/**
 * Arguments of every op. Strict objects: an unknown field is an error, never ignored. Each schema
 * is built when first used, so a command pays only for its own op's.
 */
export const OP_ARGS = lazySchemas({
  'app.deploy': () => z.strictObject({
    app: appName,
    image: imageRepository,
    /** Exactly one of tag and digest; a digest pins what every node runs. */
    tag: imageTag.optional(),
    digest: imageDigest.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    replicas: z.number().int().min(0).max(100).optional(),
    limits: resources().optional(),
    /** Seconds to wait for the release to converge before giving up. */
    timeoutSeconds: z.number().int().min(5).max(3600).optional(),
    health: healthArgs().optional(),
    internal: z.boolean().optional(),
    /** Node-label constraints as data, never Swarm expressions; replace the stored ones ([] clears them). */
    constraints: placementConstraints.optional(),
    /** Node labels to spread tasks over, first one first; replace the stored ones ([] clears them). */
    spread: spreadLabels.optional(),
    dryRun: z.boolean().optional(),
  }).refine((a) => (a.tag === undefined) !== (a.digest === undefined), {
    message: 'give exactly one of a tag and a digest',
    path: ['tag'],
  }),
  'app.create': () => z.strictObject({ app: appName }),
  'app.list': () => z.strictObject({}),
  'app.inspect': () => z.strictObject({ app: appName }),
  /** Stop and remove the app's service; with `purge`, delete everything it has (src/agent/ops/app-remove.ts). */
  'app.remove': () => z.strictObject({ app: appName, purge: z.boolean().optional(), confirm: confirmation }).superRefine(confirmedBy('app', (a) => a.app)),
  'app.secrets.set': () => z.strictObject({
    app: appName,
    /** Values travel only inside the request body, never on a command line. */
    values: z
      .record(z.string(), z.string())
      .superRefine((values, ctx) => {
        if (Object.keys(values).length === 0) ctx.addIssue({ code: 'custom', message: 'give at least one KEY=value' });
        for (const key of Object.keys(values)) {
          const checked = secretKey.safeParse(key);
          if (!checked.success) ctx.addIssue({ code: 'custom', path: [key], message: checked.error.issues[0]?.message ?? 'bad key' });
        }
      }),
    restart: z.boolean().default(true),
  }),
  'app.secrets.unset': () => z
    .strictObject({ app: appName, keys: z.array(secretKey).min(1), restart: z.boolean().default(true), confirm: confirmation })
    .superRefine(confirmedBy('app', (a) => a.app)),
  'app.secrets.list': () => z.strictObject({ app: appName }),
  'app.secrets.get': () => z.strictObject({ app: appName, key: secretKey }),
  /** Every value at once (app:secrets export): for those who may read values, audited like get. */
  'app.secrets.export': () => z.strictObject({ app: appName }),
  'app.secrets.history': () => z.strictObject({ app: appName, limit: z.number().int().min(1).max(1000).optional() }),
  'app.domains': () => z.strictObject({
    app: appName,
    add: z.array(domainName).max(50).optional(),
    remove: z.array(domainName).max(50).optional(),
  }),
  /** Which apps' networks the app's tasks join (src/core/app-networks.ts); neither list: show them. */
  'app.links': () => z.strictObject({
    app: appName,
    add: z.array(appName).min(1).max(MAX_LINKS).optional(),
    remove: z.array(appName).min(1).max(MAX_LINKS).optional(),
    timeoutSeconds: z.number().int().min(5).max(3600).optional(),
  }),
  'app.releases': () => z.strictObject({ app: appName, limit: z.number().int().min(1).max(1000).optional() }),
  'app.rollback': () => z.strictObject({
    app: appName,
    /** The release to redeploy; default: the one before the live release. */
    to: z.number().int().min(1).optional(),
    timeoutSeconds: z.number().int().min(5).max(3600).optional(),
    dryRun: z.boolean().optional(),
  }),
  'app.scale': () => z.strictObject({
    app: appName,
    replicas: z.number().int().min(0).max(100),
    timeoutSeconds: z.number().int().min(5).max(3600).optional(),
    dryRun: z.boolean().optional(),
  }),
  'app.restart': () => z.strictObject({ app: appName, timeoutSeconds: z.number().int().min(5).max(3600).optional() }),
  'app.lock': () => z.strictObject({
    app: appName,
    message: plainText(500).min(1).optional(),
    /** How long the lock holds unless released first (default 24 h). */
    ttlSeconds: z.number().int().min(60).max(7 * 86400).optional(),
    /** Keep trying this long while someone else holds the lock. */
    waitSeconds: z.number().int().min(0).max(3600).optional(),
  }),
  'app.lock.status': () => z.strictObject({ app: appName }),
  'app.unlock': () => z.strictObject({
    app: appName,
    /** Also break a lock held by a running operation (a deploy in progress), not only app:lock's. */
    force: z.boolean().optional(),
  }),
  'app.logs': () => z.strictObject({
    app: appName,
    follow: z.boolean().optional(),
    /** Only lines written in the last this many seconds. */
    sinceSeconds: z.number().int().min(1).max(366 * 86400).optional(),
    /** The last this many lines of each task (default: all). */
    tail: z.number().int().min(0).max(100_000).optional(),
    timestamps: z.boolean().optional(),
    /** Also the lines of tasks that ended (default: only tasks meant to run). */
    all: z.boolean().optional(),
  }),
  'app.run': () => z.strictObject({
    app: appName,
    /** The program and its arguments, as an argv array: never a shell string. */
    command: z.array(z.string().max(64 * 1024)).min(1).max(1000),
    /** Stop and remove the job after this long (default 1 h). */
    timeoutSeconds: z.number().int().min(5).max(86400).optional(),
    /**
     * Forward the caller's input and/or give the command a terminal (`app:run -it`): the job
     * task holds, and the command runs as an exec into it, like app.exec.
     */
    interactive: z.boolean().optional(),
    tty: z.boolean().optional(),
    cols: z.number().int().min(1).max(10_000).optional(),
    rows: z.number().int().min(1).max(10_000).optional(),
  }),
  'app.exec': () => z.strictObject({
    app: appName,
    command: z.array(z.string().max(64 * 1024)).min(1).max(1000),
    /** Forward the caller's standard input. */
    interactive: z.boolean().optional(),
    /** A terminal inside the container; the caller's own terminal is in raw mode. */
    tty: z.boolean().optional(),
    cols: z.number().int().min(1).max(10_000).optional(),
    rows: z.number().int().min(1).max(10_000).optional(),
    /** Which task: its slot number or the start of its ID (default: a running task on this manager). */
    task: z.string().regex(/^[a-z0-9]{1,25}$/, 'must be a slot number or a task ID').optional(),
  }),
  'admin.proxy.deploy': () => z.strictObject({
    /** Seconds to wait for the proxy to answer on every manager. */
    timeoutSeconds: z.number().int().min(5).max(3600).optional(),
  }),
  'admin.proxy.status': () => z.strictObject({}),
  'admin.agent.status': () => z.strictObject({}),
  /**
   * Install the agent bundle the state bucket holds on every node, whose content hash the CLI
   * uploaded it with, and hand each resident agent over to it (admin agent:upgrade).
   */
  'admin.agent.upgrade': () => z.strictObject({ bundle: bundleHash }),
  'admin.node.list': () => z.strictObject({}),
  /**
   * Stop placing tasks on a node, so Swarm moves its tasks elsewhere; then, unless `wait` is
   * false, wait until they run elsewhere (health-gated). Refused, changing nothing, when an
   * app's tasks would have no other node to run on.
   */
  'admin.node.drain': () => z.strictObject({
    node: nodeRef,
    wait: z.boolean().default(true),
    /** How long to wait for the tasks to move (default: the agent config's deploy.timeoutSeconds). */
    timeoutSeconds: z.number().int().min(5).max(86_400).optional(),
  }),
  'admin.node.activate': () => z.strictObject({ node: nodeRef }),
  /** Leave the swarm's list of nodes. Only a drained worker that is down, unless `force`. */
  'admin.node.remove': () => z.strictObject({ node: nodeRef, force: z.boolean().optional(), confirm: confirmation }).superRefine(confirmedBy('node', (a) => a.node)),
  'admin.node.label': () => z
    .strictObject({
      node: nodeRef,
      set: nodeLabelSet.default({}),
      remove: z.array(nodeLabelKey).max(100).default([]),
    })
    .superRefine((args, ctx) => {
      for (const message of labelChangeProblems(args)) ctx.addIssue({ code: 'custom', path: ['remove'], message });
    }),
  'admin.registry.deploy': () => z.strictObject({
    /** Seconds to wait for the registry to answer on every node. */
    timeoutSeconds: z.number().int().min(5).max(3600).optional(),
  }),
  /** Delete the registry's layers that no manifest names; read-only meanwhile, unless a dry run. */
  'admin.registry.gc': () => z.strictObject({
    dryRun: z.boolean().optional(),
    /** Seconds the collection itself may take. */
    timeoutSeconds: z.number().int().min(5).max(86_400).optional(),
  }),
  /** A login for an external private registry; the password travels only in the request body. */
  'admin.registry.add': () => z.strictObject({
    host: registryHostName,
    username: plainText(256).min(1).regex(/^[^\s:]+$/, 'must not contain spaces or ":"'),
    password: z.string().min(1).max(4096),
  }),
  'admin.registry.list': () => z.strictObject({}),
  'admin.registry.remove': () => z.strictObject({ host: registryHostName }),
  /**
   * A push into the app's repository of the cluster registry: authorized like a deploy, then
   * answered with a `relay` event, after which the channel carries the caller's Docker
   * connections as frames (src/relay-mux.ts) until the caller ends it.
   */
  'app.push': () => z.strictObject({ app: appName }),
  'app.images': () => z.strictObject({ app: appName }),
  /** Delete manifests that neither the newest `keep` pushes nor the newest `keep` releases use. */
  'app.images.prune': () => z
    .strictObject({
      app: appName,
      keep: z.number().int().min(1).max(1000).optional(),
      dryRun: z.boolean().optional(),
      /** Needed unless a dry run. */
      confirm: confirmation.optional(),
    })
    .superRefine(confirmedBy('app', (a) => (a.dryRun ? undefined : a.app))),
  whoami: () => z.strictObject({}),
  'app.owners': () => z.strictObject({ app: appName }),
  'app.owners.add': () => z.strictObject({ app: appName, user: userName }),
  'app.owners.remove': () => z.strictObject({ app: appName, user: userName }),
  'admin.audit': () => z.strictObject({
    app: appName.optional(),
    user: userName.optional(),
    op: z.string().regex(/^[a-z][a-z.:-]*$/, 'must be an op name such as app.deploy').max(100).optional(),
    /** Records from this moment on (ISO 8601), or from this many seconds ago. */
    since: z.iso.datetime({ offset: true }).optional(),
    sinceSeconds: z.number().int().min(1).max(10 * 366 * 86400).optional(),
    /** Newest first, at most this many (default 200). */
    limit: z.number().int().min(1).max(10000).optional(),
  }),
  /** An app's PostgreSQL database; DATABASE_URL goes into its secrets and never into a result. */
  'db.create': () => z.strictObject({
    app: appName,
    engine: z.enum(['postgres']).default('postgres'),
    /** An RDS instance of the app's own instead of a database on the cluster's shared one. */
    dedicated: z.boolean().optional(),
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t4g.small').optional(),
    storageGb: z.number().int().min(20).max(65536).optional(),
    restart: z.boolean().default(true),
  }),
  'db.info': () => z.strictObject({ app: appName }),
  'db.destroy': destroyDataArgs,
  /** An app's Redis; REDIS_URL goes into its secrets and never into a result. */
  'cache.create': () => z.strictObject({
    app: appName,
    nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as cache.t4g.micro').optional(),
    restart: z.boolean().default(true),
  }),
  'cache.info': () => z.strictObject({ app: appName }),
  'cache.destroy': destroyDataArgs,
});

export type Op = keyof typeof OP_ARGS;
export type OpArgs<O extends Op> = z.output<(typeof OP_ARGS)[O]>;
export const OPS = Object.keys(OP_ARGS) as Op[];

/** A request line; its `args` are checked against OP_ARGS[op] next. Built on first use. */
export const requestSchema = once(() =>
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    op: z.string(),
    args: z.record(z.string(), z.unknown()),
    /** How long a mutating op may wait for the app's lock before failing with `locked`. */
    lockWaitSeconds: z.number().int().min(0).max(3600).optional(),
    /** The CLI's version: a request the agent cannot take names both versions in its refusal. */
    cli: z.string().max(40).optional(),
  }),
);
export type Request = { v: typeof PROTOCOL_VERSION; op: Op; args: Record<string, unknown>; lockWaitSeconds?: number; cli?: string };

/** The request line the CLI sends for `op` with arguments it has checked (this CLI's version in `cli`). */
export function requestLine(op: Op, args: Record<string, unknown>, lockWaitSeconds: number | undefined): string {
  const request: Request = { v: PROTOCOL_VERSION, op, args, ...(lockWaitSeconds !== undefined ? { lockWaitSeconds } : {}), cli: VERSION };
  return `${JSON.stringify(request)}\n`;
}

/** Built on first use: the CLI sends its request first and builds this while the agent works. */
export const eventSchema = lazySchema(() => z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('progress'), step: z.string(), message: z.string() }),
  z.strictObject({
    type: z.literal('log'),
    stream: z.enum(['stdout', 'stderr']),
    source: z.string().optional(),
    line: z.string(),
  }),
  /** Raw bytes of an attached process (app:exec), base64: terminals are not line-based. */
  z.strictObject({ type: z.literal('output'), stream: z.enum(['stdout', 'stderr']), data: z.base64() }),
  z.strictObject({ type: z.literal('result'), data: z.unknown() }),
  /** app.push: from here on the channel carries frames; where the pushed image will live. */
  z.strictObject({ type: z.literal('relay'), registry: z.string(), repository: z.string() }),
  z.strictObject({
    type: z.literal('error'),
    code: z.enum(ERROR_CODES),
    message: z.string(),
    hint: z.string().optional(),
    details: z.unknown().optional(),
    /** Names this request in the manager's agent log, where an admin finds the details. */
    requestId: z.string().max(64).optional(),
  }),
]));
export type Event = z.output<typeof eventSchema>;
export type ProgressEvent = Extract<Event, { type: 'progress' }>;
export type ErrorEvent = Extract<Event, { type: 'error' }>;

export function isOp(op: string): op is Op {
  return Object.hasOwn(OP_ARGS, op);
}

/**
 * What the CLI may send after the request line, one JSON object a line, to an op that reads
 * its caller (app:exec): input bytes (base64), the end of input, and terminal size changes.
 * The CLI sends nothing until the op has reported the step `attached`.
 */
export const clientMessageSchema = once(() =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('stdin'), data: z.base64() }),
    z.strictObject({ type: z.literal('eof') }),
    z.strictObject({ type: z.literal('resize'), cols: z.number().int().min(1).max(10_000), rows: z.number().int().min(1).max(10_000) }),
  ]),
);
export type ClientMessage = z.output<ReturnType<typeof clientMessageSchema>>;

/**
 * What a manager's agent sends `futuswarm-agent node-serve` on another node (the node channel,
 * docs/decisions.md): exec into one running container of an app. The node answers with the
 * same events as `serve` and reads client messages after `attached`.
 */
export const nodeRequestSchema = once(() => {
  const nodeExecRequest = z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    op: z.literal('node.exec'),
    app: appName,
    containerId: z.string().regex(/^[0-9a-f]{64}$/, 'must be a full container ID'),
    /** How messages name the task, e.g. `shop.2.abc123@node-4`. */
    name: plainText(300),
    command: OP_ARGS['app.exec'].shape.command,
    interactive: z.boolean(),
    tty: z.boolean(),
    cols: z.number().int().min(1).max(10_000).optional(),
    rows: z.number().int().min(1).max(10_000).optional(),
  });
  /** Remove a finished job's container (app:run), which still holds the app's environment. */
  const nodeRemoveRequest = z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    op: z.literal('node.remove'),
    app: appName,
    containerId: z.string().regex(/^[0-9a-f]{64}$/, 'must be a full container ID'),
  });
  /** How the resident agent on that node (a manager) is doing: `admin agent:status`. */
  const nodeAgentStatusRequest = z.strictObject({ v: z.literal(PROTOCOL_VERSION), op: z.literal('node.agent.status') });
  /** Install that agent bundle on that node and hand its resident agent over to it (`admin agent:upgrade`). */
  const nodeAgentUpgradeRequest = z.strictObject({ v: z.literal(PROTOCOL_VERSION), op: z.literal('node.agent.upgrade'), bundle: bundleHash });
  return z.discriminatedUnion('op', [nodeExecRequest, nodeRemoveRequest, nodeAgentStatusRequest, nodeAgentUpgradeRequest]);
});
export type NodeRequest = z.output<ReturnType<typeof nodeRequestSchema>>;

/** The progress step after which an attached op reads client messages. */
export const ATTACHED_STEP = 'attached';

