/**
 * The wire between CLI and agent: one JSON request line per SSH connection, answered by
 * JSON-lines events. Both sides validate with these schemas; nothing else crosses the wire.
 */
import { z } from 'zod';
import { ERROR_CODES } from './core/errors.ts';
import { appName, imageRepository, imageTag } from './core/names.ts';

export const PROTOCOL_VERSION = 1;

const resources = z.strictObject({
  cpus: z.number().positive().max(256).optional(),
  memoryMb: z.number().int().positive().max(1024 * 1024).optional(),
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
  }),
  'app.list': z.strictObject({}),
  'app.inspect': z.strictObject({ app: appName }),
  'app.remove': z.strictObject({ app: appName }),
} as const;

export type Op = keyof typeof OP_ARGS;
export type OpArgs<O extends Op> = z.output<(typeof OP_ARGS)[O]>;
export const OPS = Object.keys(OP_ARGS) as Op[];

export const requestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  op: z.string(),
  args: z.record(z.string(), z.unknown()),
});
export type Request = { v: typeof PROTOCOL_VERSION; op: Op; args: Record<string, unknown> };

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
