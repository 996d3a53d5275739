/**
 * A raw byte channel to the agent over SSH (app:push): the request line goes out, the agent
 * authorizes it and answers with a `relay` event, and from then on the channel carries
 * whatever the two ends speak (frames of src/relay-mux.ts). Progress before that is passed on.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { FutuswarmError, isFutuswarmError } from '../core/errors.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { eventSchema, requestLine, type Op } from '../protocol.ts';
import { errorFromEvent } from './agent-client.ts';
import { openAgentConnection } from './agent-connection.ts';
import type { SshTarget } from './ssh-args.ts';
import { translateSshFailure } from './ssh-failure.ts';

export interface Relay {
  /** Bytes to the agent. */
  input: NodeJS.WritableStream;
  /** Bytes from the agent, starting right after its `relay` line. */
  output: NodeJS.ReadableStream;
  /** Leftover bytes that arrived together with the `relay` line. */
  head: Buffer;
  child: ChildProcessWithoutNullStreams;
  /** What the agent said in its `relay` event. */
  registry: string;
  repository: string;
}

const MAX_LINE = 64 * 1024;

export function openRelay(
  target: SshTarget,
  op: Op,
  args: Record<string, unknown>,
  options: { controlDir: string; connectTimeoutSeconds?: number; sshBinary?: string; onProgress?(message: string): void },
): Promise<Relay> {
  const connection = openAgentConnection(target, options);
  const { child } = connection;
  connection.send(requestLine(op, args, undefined), true);

  return new Promise<Relay>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    let settled = false;
    // Any byte from the far side means the request is under way: it is never asked elsewhere.
    let answered = false;
    const fail = (e: FutuswarmError) => {
      if (settled) return;
      settled = true;
      child.stdout.off('data', onData);
      child.kill('SIGTERM');
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      answered = true;
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const newline = buffered.indexOf(0x0a);
        if (newline < 0) {
          if (buffered.length > MAX_LINE) fail(new FutuswarmError('protocol', 'the agent sent no relay answer'));
          return;
        }
        const line = buffered.subarray(0, newline).toString('utf8');
        buffered = buffered.subarray(newline + 1);
        let event;
        try {
          const json: unknown = JSON.parse(line);
          refuseReservedKeys(json, 'the agent sent an event', { code: 'protocol' });
          event = eventSchema.parse(json);
        } catch (e) {
          fail(isFutuswarmError(e) ? e : new FutuswarmError('protocol', `the agent answered something unexpected: ${line.slice(0, 200)}`));
          return;
        }
        if (event.type === 'error') {
          fail(errorFromEvent(event));
          return;
        }
        if (event.type === 'relay') {
          settled = true;
          child.stdout.off('data', onData);
          child.stdout.pause();
          resolve({ input: child.stdin, output: child.stdout, head: buffered, child, registry: event.registry, repository: event.repository });
          return;
        }
        if (event.type === 'progress') options.onProgress?.(event.message);
      }
    };
    child.stdout.on('data', onData);
    connection.closed.then(
      (code) => fail(translateSshFailure(code, connection.stderr(), target, { answered })),
      (e: Error) => fail(new FutuswarmError('ssh_unreachable', `cannot run ssh: ${e.message}`, { hint: 'install the OpenSSH client' })),
    );
  });
}
