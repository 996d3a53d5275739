/**
 * `futuswarm-agent serve --user <name>`: sshd's forced command. Reads one request line and
 * answers it: validate (zod) → ACL → lock → act → audit, streaming JSON-lines events back.
 * Nothing else is accepted.
 */
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { isOp, OP_ARGS, requestSchema, type Event, type Op } from '../protocol.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { openState } from './open-state.ts';
import type { DockerEngine } from '../docker/engine.ts';
import { RELAYED, type OpContext, type OpHandler } from './op.ts';
import { authorize, releaseClaim } from './acl.ts';
import { OP_HANDLERS } from './ops/index.ts';
import type { AppState } from './app-state.ts';
import { SECRET_ARG_NAMES } from '../state/audit.ts';

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface ServeIo {
  input: NodeJS.ReadableStream;
  write(line: string): void;
}

/** What a handler gets: Docker and the state bucket are connected on first use. */
export function opContext(user: string, config: AgentConfig, emit: (event: Event) => void, signal: AbortSignal): OpContext {
  let engine: Promise<DockerEngine> | undefined;
  let store: Promise<AppState> | undefined;
  return {
    user,
    config,
    emit,
    progress: (step, message) => emit({ type: 'progress', step, message }),
    docker: () => (engine ??= import('../docker/engine.ts').then((m) => m.DockerEngine.connect())),
    state: () => (store ??= openState(config)),
    signal,
  };
}

/** Returns the process exit code: 0 when the op produced a result. */
export async function serve(user: string, loadConfig: () => Promise<AgentConfig>, io: ServeIo): Promise<number> {
  const emit = (event: Event): void => io.write(`${JSON.stringify(event)}\n`);
  const abort = new AbortController();
  try {
    const raw = await readJsonRequest(io.input);
    refuseReservedKeys(raw, 'bad request');
    const request = parseWith(requestSchema, raw, 'bad request', { code: 'protocol' });
    if (!isOp(request.op)) {
      throw new FutuswarmError('protocol', `unknown op "${request.op}"`, { hint: 'the CLI and the agent may be different versions; upgrade the CLI' });
    }
    const args = parseWith(OP_ARGS[request.op], request.args, 'invalid arguments', { root: 'args' });
    const config = await loadConfig();
    if (config.role === 'worker') {
      throw new FutuswarmError('unavailable', 'this node is a worker; futuswarm commands are served by the managers', { hint: 'point your context at a manager' });
    }
    const handler = (await OP_HANDLERS[request.op]()).default;
    const ctx = opContext(user, config, emit, abort.signal);
    const app = typeof (args as { app?: unknown }).app === 'string' ? (args as { app: string }).app : undefined;
    const audited = handler.mutating || handler.audit === true;
    const started = Date.now();
    let data: unknown;
    try {
      // Before the lock and before the handler: a refused request changes nothing.
      const grant = await authorize(ctx, {
        op: request.op,
        access: handler.access,
        app,
        claim: (args as { dryRun?: unknown }).dryRun !== true,
      });
      try {
        data = await runHandler(ctx, handler, args, app, request.lockWaitSeconds);
      } catch (e) {
        if (grant.claimed && app !== undefined) await releaseClaim(ctx, app).catch(() => undefined);
        throw e;
      }
    } catch (e) {
      // Refusals are recorded for every op: who tried what is the point of an audit trail.
      if (audited || (isFutuswarmError(e) && e.code === 'forbidden')) await audit(ctx, request.op, app, args, started, e);
      throw e;
    }
    if (audited) await audit(ctx, request.op, app, args, started, undefined);
    if (data === RELAYED) return 0;
    emit({ type: 'result', data: data ?? null });
    return 0;
  } catch (e) {
    const error = isFutuswarmError(e)
      ? e
      : new FutuswarmError('internal', `the agent failed: ${(e as Error).message}`, { cause: e, hint: 'an admin can find details in the agent log on the manager' });
    if (!isFutuswarmError(e)) process.stderr.write(`futuswarm-agent: ${(e as Error).stack ?? String(e)}\n`);
    emit({
      type: 'error',
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.details !== undefined ? { details: error.details } : {}),
    });
    return 1;
  }
}

/** Mutating ops on an app run under its deploy lock: two deploys never interleave. */
async function runHandler(ctx: OpContext, handler: OpHandler<Op>, args: unknown, app: string | undefined, lockWaitSeconds: number | undefined): Promise<unknown> {
  if (!(handler.lock ?? handler.mutating) || app === undefined) return handler.handle(ctx, args as never);
  const state = await ctx.state();
  const request = {
    user: ctx.user,
    op: handler.op,
    ttlSeconds: ctx.config.locks.ttlSeconds,
    ...(lockWaitSeconds ? { waitSeconds: lockWaitSeconds } : {}),
  };
  // locks.hold renews the lock while the op runs, so a rollout longer than the TTL keeps it.
  return state.locks.hold(
    app,
    request,
    async (lock) => {
      // A dropped connection must not leave the lock behind until it expires.
      const onHangup = () => void state.locks.release(app, lock.token).catch(() => false).finally(() => process.exit(129));
      process.once('SIGHUP', onHangup);
      process.once('SIGTERM', onHangup);
      try {
        return await handler.handle(ctx, args as never);
      } finally {
        process.off('SIGHUP', onHangup);
        process.off('SIGTERM', onHangup);
      }
    },
    { onLost: (e) => ctx.progress('lock', `warning: ${e.message}; this operation goes on, but others may now change ${app}`) },
  );
}

async function audit(ctx: OpContext, op: string, app: string | undefined, args: unknown, started: number, error: unknown): Promise<void> {
  try {
    const state = await ctx.state();
    await state.audit.append({
      user: ctx.user,
      op,
      ...(app ? { app } : {}),
      args: args as Record<string, unknown>,
      // Names hide values (redactArgs); this also catches a value echoed in an error message.
      scrub: secretValues(args),
      result: error === undefined ? 'ok' : 'error',
      ...(error !== undefined ? { code: isFutuswarmError(error) ? error.code : 'internal', message: (error as Error).message } : {}),
      durationMs: Date.now() - started,
    });
  } catch (e) {
    // The op's own outcome matters more than its audit record; the agent log keeps the miss.
    process.stderr.write(`futuswarm-agent: could not write the audit record for ${op}: ${(e as Error).message}\n`);
  }
}

/**
 * Every string under a secret-named argument (values of app:secrets set, and the like). Very
 * short values are left out: scrubbing "1" would blank every record that mentions a 1.
 */
function secretValues(args: unknown): string[] {
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

/** The first line of the input, parsed as JSON (not yet validated). */
export async function readJsonRequest(input: NodeJS.ReadableStream): Promise<unknown> {
  const line = await readRequestLine(input);
  try {
    return JSON.parse(line);
  } catch {
    throw new FutuswarmError('protocol', 'the request is not JSON', { hint: 'use the futuswarm CLI; the agent speaks JSON lines only' });
  }
}

async function readRequestLine(input: NodeJS.ReadableStream): Promise<string> {
  let buffered = '';
  for await (const chunk of input) {
    buffered += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    const newline = buffered.indexOf('\n');
    if (newline >= 0) return buffered.slice(0, newline);
    if (buffered.length > MAX_REQUEST_BYTES) throw new FutuswarmError('protocol', 'the request is too large');
  }
  if (buffered.trim() === '') throw new FutuswarmError('protocol', 'no request received', { hint: 'use the futuswarm CLI to talk to the agent' });
  return buffered;
}
