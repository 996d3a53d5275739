/**
 * Runs one request against the agent over the system OpenSSH client, so users' ~/.ssh/config,
 * agents, ProxyJump and known_hosts work as they expect. Events come back as JSON lines.
 */
import { createInterface } from 'node:readline';
import { FutuswarmError } from '../core/errors.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { eventSchema, requestLine, type ClientMessage, type ErrorEvent, type Event, type Op } from '../protocol.ts';
import type { SshTarget } from './ssh-args.ts';
import { openAgentConnection, type AgentConnection } from './agent-connection.ts';
import { translateSshFailure } from './ssh-failure.ts';

export interface AgentCallOptions {
  controlDir: string;
  /** Seconds ssh waits for the manager to answer (default 10). */
  connectTimeoutSeconds?: number;
  lockWaitSeconds?: number;
  onEvent(event: Event): void;
  sshBinary?: string;
  /**
   * Keep our side of the channel open after the request, until the answer: the agent takes
   * its end as the caller leaving (app:logs -f, app:run, app:exec).
   */
  keepOpen?: boolean;
  /** Gets a way to send client messages to the agent (app:exec's input); implies keepOpen. */
  onChannel?(channel: AgentChannel): void;
  /** What Ctrl-C means: the call stops and fails with `interrupted`, with this message and hint. */
  interrupt?: { message: string; hint?: string };
  /** A connection to `target` opened beforehand (openAgentConnection); otherwise one is opened. */
  connection?: AgentConnection;
}

export interface AgentChannel {
  send(message: ClientMessage): void;
}

export async function callAgent(target: SshTarget, op: Op, args: Record<string, unknown>, options: AgentCallOptions): Promise<unknown> {
  const connection =
    options.connection ??
    openAgentConnection(target, {
      controlDir: options.controlDir,
      ...(options.connectTimeoutSeconds !== undefined ? { connectTimeoutSeconds: options.connectTimeoutSeconds } : {}),
      ...(options.sshBinary !== undefined ? { sshBinary: options.sshBinary } : {}),
    });
  const { child } = connection;
  const keepOpen = options.keepOpen === true || options.onChannel !== undefined;
  if (!connection.sent) connection.send(requestLine(op, args, options.lockWaitSeconds), keepOpen);
  options.onChannel?.({
    send: (message) => {
      if (child.stdin.writable) child.stdin.write(`${JSON.stringify(message)}\n`);
    },
  });
  // Built while the agent works on the request, not when its first answer has come.
  eventSchema.safeParse(undefined);

  // Any byte from the far side means the request is under way: it is never asked elsewhere.
  let answered = false;
  child.stdout.once('data', () => (answered = true));
  let result: { data: unknown } | undefined;
  let failure: FutuswarmError | undefined;
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  const exited = connection.closed.catch((e: Error) => {
    throw new FutuswarmError('ssh_unreachable', `cannot run ssh: ${e.message}`, { hint: 'install the OpenSSH client', cause: e });
  });
  exited.catch(() => undefined); // awaited below, unless an event could not be read

  // Ctrl-C ends our side: the agent notices and finishes (or cleans up) on its own.
  let interrupted = false;
  const onInterrupt = (): void => {
    interrupted = true;
    child.kill('SIGTERM');
    // A multiplexed ssh hands our pipes to its master, which keeps them until the agent ends.
    lines.close();
    child.stdout.destroy();
    child.stderr.destroy();
  };
  process.on('SIGINT', onInterrupt);

  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const event = parseEvent(line);
      if (event.type === 'result') {
        // The agent's last word: the answer is complete without waiting for ssh to end.
        result = { data: event.data };
        break;
      } else if (event.type === 'error') {
        failure = errorFromEvent(event);
      } else options.onEvent(event);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    child.stdin.end();
  }
  if (result) return result.data;
  const code = await exited;
  if (interrupted) {
    throw new FutuswarmError('interrupted', options.interrupt?.message ?? 'interrupted', options.interrupt?.hint ? { hint: options.interrupt.hint } : {});
  }
  if (failure) throw failure;
  throw translateSshFailure(code, connection.stderr(), target, { answered });
}

/** The agent's error as this side's own: its code, message, hint, details and request id. */
export function errorFromEvent(event: ErrorEvent): FutuswarmError {
  return new FutuswarmError(event.code, event.message, { hint: event.hint, details: event.details, requestId: event.requestId });
}

function parseEvent(line: string): Event {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new FutuswarmError('protocol', `the server answered something that is not the futuswarm agent: ${line.slice(0, 200)}`, {
      hint: 'check that sshd on the manager runs futuswarm-agent as the forced command (templates/sshd_config.futuswarm)',
    });
  }
  refuseReservedKeys(json, 'the agent sent an event', { code: 'protocol' });
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) {
    throw new FutuswarmError('protocol', 'the agent sent an event this CLI does not understand', {
      hint: 'the CLI and the agent may be different versions; upgrade the CLI',
      details: { line: line.slice(0, 500) },
    });
  }
  return parsed.data;
}
