/**
 * `futuswarm-agent serve --user <name>`: sshd's forced command. Reads one request line and
 * answers it: validate (zod) → ACL → lock → act → audit, streaming JSON-lines events back.
 * Nothing else is accepted.
 */
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { heartbeat } from '../heartbeat.ts';
import { describeLockHolder } from '../core/names.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { isOp, OP_ARGS, requestSchema, type Event, type Op } from '../protocol.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { openState } from './open-state.ts';
import { detachedChannel, type ClientChannel } from './client-channel.ts';
import type { DockerEngine } from '../docker/engine.ts';
import { RELAYED, type OpContext, type OpHandler } from './op.ts';
import { authorize, releaseClaim } from './acl.ts';
import { OP_HANDLERS } from './ops/index.ts';
import type { AppState } from './app-state.ts';
import { cutText } from '../core/audit-summary.ts';
import { visibleText } from '../core/terminal-text.ts';
import { VERSION } from '../version.ts';
import { auditRequest, requestSubject, UNREADABLE_OP, type AuditSubject } from './audit-request.ts';

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface ServeIo {
  input: NodeJS.ReadableStream;
  write(line: string): void;
  /** The caller, for ops that stream or attach; default: nobody (in-process calls). */
  channel?: ClientChannel;
}

/** What a handler gets: Docker and the state bucket are connected on first use. */
export function opContext(
  user: string,
  config: AgentConfig,
  emit: (event: Event) => void,
  signal: AbortSignal,
  /** Where the views differ (the resident agent's); without it, one state serves both. */
  open?: (config: AgentConfig, use: { fresh: boolean }) => Promise<AppState>,
  channel: ClientChannel = detachedChannel(),
  connect: () => Promise<DockerEngine> = () => import('../docker/engine.ts').then((m) => m.DockerEngine.connect()),
): OpContext {
  let engine: Promise<DockerEngine> | undefined;
  let store: Promise<AppState> | undefined;
  let freshStore: Promise<AppState> | undefined;
  return {
    user,
    config,
    emit,
    progress: (step, message) => emit({ type: 'progress', step, message }),
    docker: () => (engine ??= connect()),
    state: (use) => {
      if (!open) return (store ??= openState(config));
      return use?.fresh ? (freshStore ??= open(config, { fresh: true })) : (store ??= open(config, { fresh: false }));
    },
    signal,
    channel,
  };
}

export interface HeldLock {
  app: string;
  token: string;
  release(): Promise<void>;
}

export interface ServeOptions {
  /**
   * The state bucket; default: the one the agent config names. `cached`: the op changes nothing,
   * so its reads may come from a short-lived cache (the resident agent's, src/state/cached-reads.ts).
   */
  openState?: (config: AgentConfig, use: { cached: boolean }) => Promise<AppState>;
  /** The Docker Engine; default: a new connection to the local one. */
  docker?: () => Promise<DockerEngine>;
  /**
   * Told when the request holds an app's lock, and how to free it; returns what to do once the
   * op let go of it. An agent per request frees it on sshd's SIGHUP; the resident agent notes it
   * so that a successor frees what a crashed daemon held.
   */
  onLock?: (lock: HeldLock) => () => void;
  /** Names the request in error events and in the agent log. */
  requestId?: string;
  /** Where an internal error's stack goes (the agent log); default: stderr. */
  log?: (line: string) => void;
  /** Told what the request was and how it ended ('ok' or the error code), for the agent log. */
  onOutcome?: (outcome: { op?: string; app?: string; outcome: string }) => void;
}

/**
 * Returns the process exit code: 0 when the op produced a result. Every request that is
 * refused before its handler runs (unreadable, invalid, unknown op, not allowed, locked) leaves
 * an audit record, whatever the op; after that, only audited ops do (and refusals by handlers).
 */
export async function serve(user: string, loadConfig: () => Promise<AgentConfig>, io: ServeIo, options: ServeOptions = {}): Promise<number> {
  const emit = (event: Event): void => io.write(`${JSON.stringify(event)}\n`);
  const abort = new AbortController();
  const started = Date.now();
  let ctx: OpContext | undefined;
  /** What the audit record names; undefined while there is no request to record. */
  let subject: AuditSubject | undefined;
  /** Whether the outcome is recorded: refusals always, a handler's outcome when its op is audited. */
  let audited = true;
  try {
    const config = await loadConfig();
    if (config.role === 'worker') {
      throw new FutuswarmError('unavailable', 'this node is a worker; futuswarm commands are served by the managers', { hint: 'point your context at a manager' });
    }
    // Set once the op is known, before anything reads state: an op that changes nothing may read it cached.
    let readOnly = false;
    const open = options.openState;
    ctx = opContext(user, config, emit, abort.signal, open && ((config, use) => open(config, { cached: readOnly && !use.fresh })), io.channel, options.docker);
    subject = { op: UNREADABLE_OP };
    const line = await readRequestLine(io.input);
    if (line === undefined) {
      subject = undefined; // nothing was asked: nothing to record
      throw noRequest();
    }
    const raw = parseRequestJson(line);
    subject = requestSubject(raw);
    refuseReservedKeys(raw, 'bad request');
    const { request, args } = withVersions(raw, () => {
      const request = parseWith(requestSchema(), raw, 'bad request', { code: 'protocol' });
      if (!isOp(request.op)) {
        throw new FutuswarmError('protocol', `unknown op "${cutText(request.op, 100)}"`, { hint: 'the CLI and the agent may be different versions; upgrade the CLI' });
      }
      return { request: { ...request, op: request.op }, args: parseWith(OP_ARGS[request.op], request.args, 'invalid arguments', { root: 'args' }) };
    });
    const app = typeof (args as { app?: unknown }).app === 'string' ? (args as { app: string }).app : undefined;
    subject = { op: request.op, ...(app ? { app } : {}), args: args as Record<string, unknown> };
    const handler = (await OP_HANDLERS[request.op]()).default;
    readOnly = !handler.mutating;
    // Before the lock and before the handler: a refused request changes nothing.
    const grant = await authorize(ctx, {
      op: request.op,
      access: handler.access,
      app,
      claim: (args as { dryRun?: unknown }).dryRun !== true,
    });
    audited = handler.mutating || handler.audit === true;
    let data: unknown;
    try {
      const unchanged = await handler.unchanged?.(ctx, args as never);
      if (unchanged !== undefined) {
        options.onOutcome?.({ op: request.op, ...(app ? { app } : {}), outcome: 'ok' });
        emit({ type: 'result', data: unchanged });
        return 0;
      }
      data = await runHandler(ctx, handler, args, app, request.lockWaitSeconds, options.onLock);
    } catch (e) {
      if (grant.claimed && app !== undefined) await releaseClaim(ctx, app).catch(() => undefined);
      // Who tried what is the point of an audit trail: a handler's refusal is recorded for every op.
      if (isFutuswarmError(e) && e.code === 'forbidden') audited = true;
      throw e;
    }
    if (audited) await auditRequest(ctx, subject, started, undefined);
    options.onOutcome?.({ op: request.op, ...(app ? { app } : {}), outcome: 'ok' });
    if (data === RELAYED) return 0;
    emit({ type: 'result', data: data ?? null });
    return 0;
  } catch (e) {
    if (ctx && subject && audited) await auditRequest(ctx, subject, started, e);
    const error = isFutuswarmError(e)
      ? e
      : new FutuswarmError('internal', `the agent failed: ${(e as Error).message}`, { cause: e, hint: 'an admin can find details in the agent log on the manager' });
    if (!isFutuswarmError(e)) (options.log ?? ((line) => process.stderr.write(`futuswarm-agent: ${line}\n`)))((e as Error).stack ?? String(e));
    emit({
      type: 'error',
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.details !== undefined ? { details: error.details } : {}),
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
    options.onOutcome?.({ ...(subject ? { op: subject.op, ...(subject.app ? { app: subject.app } : {}) } : {}), outcome: error.code });
    return 1;
  }
}

/**
 * A request this agent cannot take, from a CLI of another version: the refusal names both
 * versions, since the CLI checked the same arguments before it sent them.
 */
function withVersions<T>(raw: unknown, check: () => T): T {
  try {
    return check();
  } catch (e) {
    const cli = (raw as { cli?: unknown } | null)?.cli;
    if (!isFutuswarmError(e) || typeof cli !== 'string' || cli === VERSION) throw e;
    const shown = visibleText(cutText(cli, 40));
    throw new FutuswarmError(e.code, `${e.message} (this CLI is version ${shown}, the agent on this manager ${VERSION})`, {
      hint: `use one version on both sides: install futuswarm ${VERSION}, or ask an admin to upgrade the agents to ${shown}`,
      ...(e.details !== undefined ? { details: e.details } : {}),
    });
  }
}

/** Mutating ops on an app run under its deploy lock: two deploys never interleave. */
async function runHandler(
  ctx: OpContext,
  handler: OpHandler<Op>,
  args: unknown,
  app: string | undefined,
  lockWaitSeconds: number | undefined,
  onLock: ServeOptions['onLock'],
): Promise<unknown> {
  if (!(handler.lock ?? handler.mutating) || app === undefined) return handler.handle(ctx, args as never);
  // Changes under the lock are the long ones (rollouts, databases, caches): none goes quiet.
  const beat = heartbeat(ctx.progress);
  try {
    return await runLocked({ ...ctx, progress: beat.progress }, handler, args, app, lockWaitSeconds, onLock);
  } finally {
    beat.stop();
  }
}

async function runLocked(
  ctx: OpContext,
  handler: OpHandler<Op>,
  args: unknown,
  app: string,
  lockWaitSeconds: number | undefined,
  onLock: ServeOptions['onLock'],
): Promise<unknown> {
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
      // A dropped connection or a crash must not leave the lock behind until it expires.
      const stop = onLock?.({ app, token: lock.token, release: () => state.locks.release(app, lock.token).then(() => undefined, () => undefined) });
      try {
        return await handler.handle(ctx, args as never);
      } finally {
        stop?.();
      }
    },
    {
      onLost: (e) => ctx.progress('lock', `warning: ${e.message}; this operation goes on, but others may now change ${app}`),
      onWait: (holder) => ctx.progress('lock', `waiting up to ${lockWaitSeconds}s for the lock of ${app}: ${holder.user} holds it (${describeLockHolder(holder)})`),
    },
  );
}

/** The first line of the input, parsed as JSON (not yet validated). */
export async function readJsonRequest(input: NodeJS.ReadableStream): Promise<unknown> {
  const line = await readRequestLine(input);
  if (line === undefined) throw noRequest();
  return parseRequestJson(line);
}

function parseRequestJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new FutuswarmError('protocol', 'the request is not JSON', { hint: 'use the futuswarm CLI; the agent speaks JSON lines only' });
  }
}

const noRequest = (): FutuswarmError => new FutuswarmError('protocol', 'no request received', { hint: 'use the futuswarm CLI to talk to the agent' });

/** The first line of the input; undefined when the input ended with nothing on it. */
async function readRequestLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  let buffered = '';
  for await (const chunk of input) {
    buffered += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    const newline = buffered.indexOf('\n');
    if (newline >= 0) return buffered.slice(0, newline);
    if (buffered.length > MAX_REQUEST_BYTES) throw new FutuswarmError('protocol', 'the request is too large');
  }
  return buffered.trim() === '' ? undefined : buffered;
}
