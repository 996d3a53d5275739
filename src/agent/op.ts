/** What every agent op handler gets, and how handlers are declared. */
import type { Event } from '../protocol.ts';
import type { Op, OpArgs } from '../protocol.ts';
import type { OpResult } from '../results/index.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { DockerEngine } from '../docker/engine.ts';
import type { AppState } from './app-state.ts';
import type { ClientChannel } from './client-channel.ts';

export interface OpContext {
  /** The person on the other end, as sshd's forced command named them. */
  user: string;
  config: AgentConfig;
  progress(step: string, message: string): void;
  emit(event: Event): void;
  docker(): Promise<DockerEngine>;
  /**
   * The cluster's state store (S3 + KMS); created on first use. In the resident agent, an op that
   * changes nothing reads some of it from memory, up to a few seconds old (src/state/keys.ts
   * `readCacheable`); `fresh` reads everything from S3 whatever the op, as deciding access does.
   */
  state(use?: { fresh?: boolean }): Promise<AppState>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** The caller of this request: what it sends after the request line, and whether it left. */
  channel: ClientChannel;
}

/**
 * Who may run an op. serve() checks it before the lock and before the handler runs.
 * - `read`: anyone the cluster knows (app:list, app:inspect, whoami);
 * - `app`: the app's owners and admins;
 * - `deploy`: like `app`, and for a name nobody has yet, anyone: the caller becomes its
 *   owner (atomically, before anything else happens);
 * - `admin`: admins only.
 * Ops with `app` or `deploy` access must have an `app` argument.
 */
export type Access = 'read' | 'app' | 'deploy' | 'admin';

export interface OpHandler<O extends Op> {
  op: O;
  access: Access;
  /** Mutating ops take the app's lock (unless `lock: false`) and leave an audit record. */
  mutating: boolean;
  /** Leave an audit record although nothing changes (reading a secret value). Default: mutating. */
  audit?: boolean;
  /** Whether serve() holds the app's deploy lock around the handler (default: mutating). */
  lock?: boolean;
  /** What it answers is the op's result schema (src/results/). */
  handle(ctx: OpContext, args: OpArgs<O>): Promise<OpResult<O>>;
  /**
   * A read-only look before the lock: when it answers, the request would change nothing, and
   * that answer goes back without taking the lock or leaving an audit record (a repeated deploy).
   */
  unchanged?(ctx: OpContext, args: OpArgs<O>): Promise<OpResult<O> | undefined>;
}

export function defineOp<O extends Op>(handler: OpHandler<O>): OpHandler<O> {
  return handler;
}

export { RELAYED } from '../protocol.ts';
