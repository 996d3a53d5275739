/**
 * The audit log: one object per mutating or refused request under `audit/<yyyy>/<mm>/<dd>/…`,
 * keys sorted by time, written once. Secret values never reach it: arguments are redacted by
 * name and known values scrubbed wherever they appear. Its size is bounded whatever was sent:
 * large arguments are kept as a summary (src/core/audit-summary.ts), op and message are cut.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { AUDIT_MESSAGE_MAX_CHARS, AUDIT_OP_MAX_CHARS, cutText, summarizeArgs } from '../core/audit-summary.ts';
import { parseWith } from '../core/errors.ts';
import { appName, userName } from '../core/names.ts';
import { isoTime, jsonObject, mapLimit, putJson, StateConcern } from './json.ts';
import { stateKeys } from './keys.ts';

export const auditRecordSchema = z.looseObject({
  v: z.literal(1),
  id: z.string(),
  time: isoTime,
  user: userName,
  op: z.string().min(1),
  app: appName.optional(),
  /** The request's arguments with secret values replaced by their keys; a summary when they were large. */
  args: jsonObject.optional(),
  /** When `args` is a summary: how many bytes of JSON the arguments took. */
  argsBytes: z.number().int().nonnegative().optional(),
  result: z.enum(['ok', 'error']),
  /** The error code when result is `error`. */
  code: z.string().optional(),
  message: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
});
export type AuditRecord = z.output<typeof auditRecordSchema>;

export interface AuditInput {
  user: string;
  op: string;
  app?: string;
  args?: Record<string, unknown>;
  result: 'ok' | 'error';
  code?: string;
  message?: string;
  durationMs?: number;
  time?: Date;
  /** More argument names whose values are secret, besides SECRET_ARG_NAMES. */
  redact?: readonly string[];
  /**
   * Secret values known to the caller (e.g. the values being set): any string in `args` or
   * `message` that contains one is replaced — a net under the name-based redaction.
   */
  scrub?: readonly string[];
}

export interface AuditFilter {
  app?: string;
  user?: string;
  op?: string;
  since?: Date;
  until?: Date;
  /** Newest records first; at most this many. */
  limit?: number;
}

/** Argument names whose values are secrets, at any depth of an audit record's args. */
export const SECRET_ARG_NAMES: readonly string[] = ['set', 'values', 'secrets', 'env', 'value', 'password', 'token', 'secret'];

/**
 * Replace secret argument values: a KEY → value map becomes its sorted keys, `KEY=value`
 * strings become `KEY`, anything else `[redacted]`.
 */
export function redactArgs(args: Record<string, unknown>, names: readonly string[] = SECRET_ARG_NAMES): Record<string, unknown> {
  const secret = new Set(names);
  const redactValue = (value: unknown): unknown => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.keys(value).sort();
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      return value.map((v) => (v.includes('=') ? v.slice(0, v.indexOf('=')) : '[redacted]'));
    }
    return '[redacted]';
  };
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, secret.has(k) ? redactValue(v) : walk(v)]),
    );
  };
  return walk(args) as Record<string, unknown>;
}

/** Past this many characters searched (values × text), every string is redacted instead of searched. */
const SCRUB_BUDGET = 50_000_000;

/**
 * Replace every string that contains one of `values` (empty values are ignored). When that
 * search would be too long (thousands of values in megabytes of arguments), every string is
 * replaced: still no secret value, in bounded time.
 */
function scrubValues<T>(value: T, values: readonly string[]): T {
  const needles = values.filter((v) => v.length > 0);
  if (needles.length === 0) return value;
  const everything = needles.length * textLength(value) > SCRUB_BUDGET;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return everything || needles.some((n) => v.includes(n)) ? '[redacted]' : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** How many characters of strings a JSON value holds. */
function textLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value === null || typeof value !== 'object') return 0;
  return Object.values(value).reduce<number>((sum, v) => sum + textLength(v), 0);
}

/** What a record keeps of arguments: secrets hidden first, then a summary if they are large. */
function keptArgs(args: Record<string, unknown>, redact: readonly string[], scrub: readonly string[]): { args: Record<string, unknown>; argsBytes?: number } {
  const summary = summarizeArgs(scrubValues(redactArgs(args, redact), scrub));
  return summary.bytes === undefined ? { args: summary.args } : { args: summary.args, argsBytes: summary.bytes };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function auditKeyTime(t: Date): string {
  return (
    `audit/${t.getUTCFullYear()}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/` +
    `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}.${pad(t.getUTCMilliseconds(), 3)}`
  );
}

const AUDIT_KEY_RE = /^audit\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})(\d{2})(\d{2})\.(\d{3})Z-[0-9a-f]+\.json$/;

function auditKeyDate(key: string): Date | undefined {
  const m = AUDIT_KEY_RE.exec(key);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!));
}

export class AuditLog extends StateConcern {
  /**
   * Store one audit record. Secret argument values are replaced by their keys first (see
   * redactArgs); `scrub` removes known secret values from anywhere in the record.
   */
  async append(input: AuditInput): Promise<AuditRecord> {
    const time = input.time ?? this.now();
    const random = randomBytes(4).toString('hex');
    const key = `${auditKeyTime(time)}Z-${random}.json`;
    const redact = [...SECRET_ARG_NAMES, ...(input.redact ?? [])];
    const scrub = input.scrub ?? [];
    // Only the free-form fields: identity and time must stay as they are.
    const fields = {
      v: 1,
      id: key.slice('audit/'.length, -'.json'.length),
      time: time.toISOString(),
      user: input.user,
      op: cutText(input.op, AUDIT_OP_MAX_CHARS),
      app: input.app,
      ...(input.args === undefined ? {} : keptArgs(input.args, redact, scrub)),
      result: input.result,
      code: input.code,
      message: input.message === undefined ? undefined : cutText(scrubValues(input.message, scrub), AUDIT_MESSAGE_MAX_CHARS),
      durationMs: input.durationMs,
    };
    const record = parseWith(auditRecordSchema, fields, 'audit record', { code: 'internal' });
    await putJson(this.store, key, record, { ifNoneMatch: '*' });
    return record;
  }

  /** Audit records, newest first, filtered by app, user, op and time. */
  async list(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const since = filter.since?.getTime() ?? -Infinity;
    const until = filter.until?.getTime() ?? Infinity;
    const limit = filter.limit ?? Infinity;
    // Keys sort by time, so listing can start at `since` instead of at the beginning.
    const startAfter = filter.since ? auditKeyTime(filter.since) : undefined;
    const keys = (await this.store.list(stateKeys.audit, startAfter === undefined ? {} : { startAfter }))
      .map((o) => ({ key: o.key, time: auditKeyDate(o.key)?.getTime() }))
      .filter((o): o is { key: string; time: number } => o.time !== undefined && o.time >= since && o.time <= until)
      .sort((a, b) => b.time - a.time || (a.key < b.key ? 1 : -1));
    const out: AuditRecord[] = [];
    for (let i = 0; i < keys.length && out.length < limit; i += 16) {
      const batch = await mapLimit(keys.slice(i, i + 16), 16, async ({ key }) => {
        const object = await this.store.get(key);
        if (!object) return undefined;
        let data: unknown;
        try {
          data = JSON.parse(object.body.toString('utf8'));
        } catch {
          return undefined; // not a record of ours
        }
        const parsed = auditRecordSchema.safeParse(data);
        // Records from before summaries (one could take megabytes) are summarised as they are read.
        return parsed.success ? { ...parsed.data, ...(parsed.data.args && parsed.data.argsBytes === undefined ? keptArgs(parsed.data.args, [], []) : {}) } : undefined;
      });
      for (const record of batch) {
        if (!record || out.length >= limit) continue;
        if (filter.app !== undefined && record.app !== filter.app) continue;
        if (filter.user !== undefined && record.user !== filter.user) continue;
        if (filter.op !== undefined && record.op !== filter.op) continue;
        out.push(record);
      }
    }
    return out;
  }
}
