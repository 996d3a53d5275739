/**
 * The audit record of one request, accepted or refused. A refused request may be anything a
 * person sent (up to the 4 MB a request line may take): what it names is read best-effort
 * here, and the audit log keeps a bounded summary of it (src/state/audit.ts).
 */
import { cutText } from '../core/audit-summary.ts';
import { isFutuswarmError } from '../core/errors.ts';
import { visibleText } from '../core/terminal-text.ts';
import { appName } from '../core/names.ts';
import { SECRET_ARG_NAMES } from '../state/audit.ts';
import type { OpContext } from './op.ts';

/** The op an audit record names when the request could not be read (too large, not JSON). */
export const UNREADABLE_OP = 'unreadable';

/** Arguments nested deeper than this are not kept: no legitimate request comes close. */
const MAX_ARGS_DEPTH = 32;

/** What an audit record says the request was. */
export interface AuditSubject {
  op: string;
  app?: string;
  args?: Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** What a request names, read from its JSON before (or without) validating it. */
export function requestSubject(raw: unknown): AuditSubject {
  const request = isObject(raw) ? raw : {};
  const op = typeof request.op === 'string' && request.op !== '' ? request.op : UNREADABLE_OP;
  if (!isObject(request.args)) return { op };
  const app = appName.safeParse(request.args.app);
  const args = nestedDeeperThan(request.args, MAX_ARGS_DEPTH)
    ? { '…': `nested more than ${MAX_ARGS_DEPTH} levels deep; not kept` }
    : request.args;
  return { op, ...(app.success ? { app: app.data } : {}), args };
}

/** Whether a JSON value holds more than `max` objects or arrays inside one another; without recursion. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth > max) return true;
    for (const v of Object.values(next.value)) pending.push({ value: v, depth: next.depth + 1 });
  }
  return false;
}

/** Write the request's audit record; a failure to write is logged, never the request's outcome. */
export async function auditRequest(ctx: OpContext, subject: AuditSubject, started: number, error: unknown): Promise<void> {
  try {
    const state = await ctx.state();
    await state.audit.append({
      user: ctx.user,
      op: subject.op,
      ...(subject.app ? { app: subject.app } : {}),
      ...(subject.args ? { args: subject.args } : {}),
      // Names hide values (redactArgs); this also catches a value echoed in an error message.
      scrub: secretValues(subject.args),
      result: error === undefined ? 'ok' : 'error',
      ...(error !== undefined ? { code: isFutuswarmError(error) ? error.code : 'internal', message: (error as Error).message } : {}),
      durationMs: Date.now() - started,
    });
  } catch (e) {
    // The op's own outcome matters more than its audit record; the agent log keeps the miss.
    process.stderr.write(`futuswarm-agent: could not write the audit record for ${visibleText(cutText(subject.op, 100))}: ${(e as Error).message}\n`);
  }
}

/**
 * Every string under a secret-named argument (values of app:secrets set, and the like). Very
 * short values are left out: scrubbing "1" would blank every record that mentions a 1.
 */
export function secretValues(args: unknown): string[] {
  const found: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= 4) found.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) (SECRET_ARG_NAMES.includes(k) ? collect : walk)(v);
    }
  };
  walk(args);
  return found;
}
