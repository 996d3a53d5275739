/**
 * How a command is written: one module per command exports `register(cmd, action)`, adding its
 * flags and help to the commander Command and wrapping its handler with `action`. The handler
 * gets a CommandContext (I/O, contexts, the agent) instead of reaching for globals.
 */
import type { Command } from '@commander-js/extra-typings';
import type { z } from 'zod';
import { FutuswarmError } from '../core/errors.ts';
import type { ClientMessage, Event, Op, OP_ARGS } from '../protocol.ts';
import type { OpResult } from '../results/index.ts';
import type { Io } from './io.ts';
import type { ContextStore } from './contexts.ts';
import type { Relay } from '../ssh/agent-relay.ts';

export interface GlobalOptions {
  context?: string;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** false with --no-color; whether a stream shows color is colorEnabled()'s to say. */
  color: boolean;
}

export interface CommandContext {
  io: Io;
  globals: GlobalOptions;
  contexts: ContextStore;
  /**
   * Validate `args` as the agent will, then send the request to the chosen cluster's agent.
   * `flags` names the CLI flag behind each argument, for error messages.
   */
  agent<O extends Op>(
    op: O,
    args: z.input<(typeof OP_ARGS)[O]>,
    flags?: Partial<Record<string, string>>,
    options?: AgentCallExtras,
  ): Promise<OpResult<O>>;
  /**
   * The same request to one manager of the context only, never another: to check each manager
   * (doctor). Events are dropped.
   */
  agentOn<O extends Op>(host: string, op: O, args: z.input<(typeof OP_ARGS)[O]>, options?: { connectTimeoutSeconds?: number }): Promise<OpResult<O>>;
  /** A raw byte channel to the agent for `op` (app.push.relay), once the agent accepted it. */
  relay(op: Op, args: Record<string, unknown>): Promise<Relay>;
}

export interface AgentCallExtras {
  lockWaitSeconds?: number;
  /** Handle events here instead of the default (progress and task lines to stderr). */
  onEvent?(event: Event): void;
  /** Keep the channel open until the answer: the agent takes its end as the caller leaving. */
  keepOpen?: boolean;
  /** Gets a way to send client messages (app:exec's input). */
  onChannel?(channel: { send(message: ClientMessage): void }): void;
  /** What Ctrl-C means for this command (the `interrupted` error's message and hint). */
  interrupt?: { message: string; hint?: string };
}

/**
 * A handler's return value is the exit code (default 0). `opts` is typed by the options the
 * command declares (commander's extra typings); `operands` are the positional arguments as given.
 */
export type Handler<Opts> = (ctx: CommandContext, opts: Opts, operands: string[]) => Promise<number | void>;
/** Wraps a handler for `.action()`; the options' type comes from the command it is given to. */
export type ActionWrapper = <Opts>(handler: Handler<Opts>) => (...commanderArgs: [...unknown[], Opts, unknown]) => Promise<void>;

export interface CommandModule {
  register(cmd: Command, action: ActionWrapper): void;
  /**
   * For a command whose subcommands add their flags only when they run: add them all now, for
   * what needs the whole tree (shell completion). Without it, `register` adds everything.
   */
  registerAll?(cmd: Command, action: ActionWrapper): Promise<void>;
}

/** Parse a positive integer flag value; commander hands over strings. */
export function intFlag(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new FutuswarmError('invalid_input', `${name}: must be a whole number, got "${value}"`);
    return Number(value);
  };
}

/** `--limit N`: a whole number from 1 to max (how many rows a table shows). */
export function limitFlag(name: string, max: number): (value: string) => number {
  const whole = intFlag(name);
  return (value) => {
    const n = whole(value);
    if (n < 1 || n > max) throw new FutuswarmError('invalid_input', `${name}: must be between 1 and ${max}, got "${value}"`);
    return n;
  };
}

export function numberFlag(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+(\.\d+)?$/.test(value)) throw new FutuswarmError('invalid_input', `${name}: must be a number, got "${value}"`);
    return Number(value);
  };
}

/** Parse a duration such as 90, 90s, 10m or 2h into seconds. */
export function durationFlag(name: string): (value: string) => number {
  return (value) => {
    const m = /^(\d+)(s|m|h)?$/.exec(value);
    if (!m) throw new FutuswarmError('invalid_input', `${name}: must be a duration such as 30s, 10m or 2h, got "${value}"`);
    return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  };
}

/** An option that a parent command declares for its subcommands, checked where it is needed. */
export function required(opts: Record<string, unknown>, key: string, flag: string): string {
  const value = opts[key];
  if (typeof value !== 'string' || value === '') throw new FutuswarmError('invalid_input', `${flag} is required`);
  return value;
}
