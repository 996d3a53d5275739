/**
 * The wire between CLI and agent: one JSON request line per SSH connection, answered by
 * JSON-lines events. Both sides validate with these schemas; nothing else crosses the wire.
 */
import { z } from 'zod';
import { ERROR_CODES } from './core/errors.ts';
import { appName, imageRepository, imageTag } from './core/names.ts';

const secretKey = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name: A-Z, 0-9 and _, not starting with a digit').max(256);

export const PROTOCOL_VERSION = 1;

const resources = z.strictObject({
  cpus: z.number().positive().max(256).optional(),
  memoryMb: z.number().int().positive().max(1024 * 1024).optional(),
});

const healthArgs = z.strictObject({
  path: z.string().regex(/^\/[\w\-./~%?=&]*$/, 'must be a URL path such as /healthz').max(200).optional(),
  cmd: z.string().min(1).max(1000).optional(),
  timeoutSeconds: z.number().min(1).max(300).optional(),
  intervalSeconds: z.number().min(1).max(300).optional(),
  retries: z.number().int().min(1).max(20).optional(),
  startPeriodSeconds: z.number().min(0).max(600).optional(),
});

/** Arguments of every op. Strict objects: an unknown field is an error, never ignored. */
export const OP_ARGS = {
  'app.deploy': z.strictObject({
    app: appName,
    image: imageRepository,
    tag: imageTag,
    port: z.number().int().min(1).max(65535).optional(),
    replicas: z.number().int().min(0).max(100).optional(),
    limits: resources.optional(),
    /** Seconds to wait for the release to converge before giving up. */
    timeoutSeconds: z.number().int().min(5).max(3600).optional(),
    health: healthArgs.optional(),
    internal: z.boolean().optional(),
    dryRun: z.boolean().optional(),
  }),
  'app.list': z.strictObject({}),
  'app.inspect': z.strictObject({ app: appName }),
  'app.remove': z.strictObject({ app: appName, purge: z.boolean().optional() }),
  'app.secrets.set': z.strictObject({
    app: appName,
    /** Values travel only inside the request body, never on a command line. */
    values: z.record(secretKey, z.string()).refine((v) => Object.keys(v).length > 0, 'give at least one KEY=value'),
    restart: z.boolean().default(true),
  }),
  'app.secrets.unset': z.strictObject({ app: appName, keys: z.array(secretKey).min(1), restart: z.boolean().default(true) }),
  'app.secrets.list': z.strictObject({ app: appName }),
  'app.secrets.get': z.strictObject({ app: appName, key: secretKey }),
  'app.secrets.history': z.strictObject({ app: appName, limit: z.number().int().min(1).max(1000).optional() }),
  'app.releases': z.strictObject({ app: appName, limit: z.number().int().min(1).max(1000).optional() }),
  'admin.proxy.deploy': z.strictObject({
    /** Seconds to wait for the proxy to answer on every manager. */
    timeoutSeconds: z.number().int().min(5).max(3600).optional(),
  }),
  'admin.proxy.status': z.strictObject({}),
} as const;

export type Op = keyof typeof OP_ARGS;
export type OpArgs<O extends Op> = z.output<(typeof OP_ARGS)[O]>;
export const OPS = Object.keys(OP_ARGS) as Op[];

export const requestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  op: z.string(),
  args: z.record(z.string(), z.unknown()),
  /** How long a mutating op may wait for the app's lock before failing with `locked`. */
  lockWaitSeconds: z.number().int().min(0).max(3600).optional(),
});
export type Request = { v: typeof PROTOCOL_VERSION; op: Op; args: Record<string, unknown>; lockWaitSeconds?: number };

export const eventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('progress'), step: z.string(), message: z.string() }),
  z.strictObject({
    type: z.literal('log'),
    stream: z.enum(['stdout', 'stderr']),
    source: z.string().optional(),
    line: z.string(),
  }),
  z.strictObject({ type: z.literal('result'), data: z.unknown() }),
  z.strictObject({
    type: z.literal('error'),
    code: z.enum(ERROR_CODES),
    message: z.string(),
    hint: z.string().optional(),
    details: z.unknown().optional(),
  }),
]);
export type Event = z.output<typeof eventSchema>;
export type ProgressEvent = Extract<Event, { type: 'progress' }>;
export type ErrorEvent = Extract<Event, { type: 'error' }>;

export function isOp(op: string): op is Op {
  return Object.hasOwn(OP_ARGS, op);
}
