/**
 * The wire between the relay (relay/main.go, sshd's forced command) and the resident agent.
 *
 * The relay sends one header line, `futuswarm-relay/1 serve NAME`, where NAME is the person the
 * authorized-keys step put in the forced command; then the caller's bytes, half-closing at
 * their end. The daemon answers in frames: a type byte, a 4-byte big-endian length, the
 * payload. `o` carries output for the caller; `x` ends the answer with the exit code (1 byte).
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { Socket } from 'node:net';
import { FutuswarmError } from '../core/errors.ts';
import { userName } from '../core/names.ts';
import { checkSshPublicKey, MAX_BASE64_LENGTH } from '../core/ssh-public-key.ts';

export const RELAY_PROTOCOL = 'futuswarm-relay/1';
/** A header longer than this is not from the relay (an authorized-keys header holds a key). */
export const MAX_HEADER_BYTES = 256 + MAX_BASE64_LENGTH;
/** The relay refuses bigger frames; output is cut into frames of at most this. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * `serve NAME`: a person's request follows. `authorized-keys OS_USER KEY_TYPE KEY`: sshd asks
 * who owns a key (the relay as its AuthorizedKeysCommand); nothing follows. `status`: the
 * daemon's own figures (admin agent:status). `hand-over`: ask the supervisor for a daemon of the
 * agent now installed (admin agent:upgrade). Only the relay and the agent's own account reach
 * the socket; the relay sends `serve` with the name sshd gave it, and `authorized-keys` with
 * what sshd passed.
 */
export type RelayHeader =
  | { kind: 'serve'; user: string }
  | { kind: 'authorized-keys'; osUser: string; keyType: string; key: string }
  | { kind: 'status' }
  | { kind: 'hand-over' };

export function parseRelayHeader(line: string): RelayHeader {
  const [protocol, kind, user, ...rest] = line.split(' ');
  if (protocol !== RELAY_PROTOCOL) {
    throw new FutuswarmError('protocol', `not a relay header (expected ${RELAY_PROTOCOL})`, { hint: 'the relay and the agent may be different versions; reinstall the agent bundle' });
  }
  if ((kind === 'status' || kind === 'hand-over') && user === undefined) return { kind };
  if (kind === 'authorized-keys') {
    const [keyType, key, ...more] = rest;
    const osUser = userName.safeParse(user);
    // The relay passes on only what looks like a key; the daemon takes only a well-formed one.
    const offered = checkSshPublicKey(keyType ?? '', key ?? '');
    if (!osUser.success || !offered || more.length > 0) throw new FutuswarmError('protocol', 'bad relay header');
    return { kind, osUser: osUser.data, keyType: offered.type, key: offered.base64 };
  }
  const name = userName.safeParse(user);
  if (kind !== 'serve' || !name.success || rest.length > 0) throw new FutuswarmError('protocol', 'bad relay header');
  return { kind, user: name.data };
}

export function frame(type: 'o' | 'x', payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

export const exitFrame = (code: number): Buffer => frame('x', Buffer.from([Math.max(0, Math.min(255, code))]));

/**
 * A whole answer read back (what the relay does as it goes): the output frames' bytes, and the
 * exit code, undefined when the answer ended without one. A frame cut short ends the reading.
 */
export function readFrames(answer: Buffer): { output: Buffer; code: number | undefined } {
  const output: Buffer[] = [];
  let code: number | undefined;
  for (let at = 0; at + 5 <= answer.length; ) {
    const size = answer.readUInt32BE(at + 1);
    const payload = answer.subarray(at + 5, at + 5 + size);
    if (payload.length < size) break;
    if (answer[at] === 0x6f) output.push(payload);
    else if (answer[at] === 0x78) code = payload[0];
    at += 5 + size;
  }
  return { output: Buffer.concat(output), code };
}

/** A stream whose bytes reach the caller as output frames; backpressure is the socket's. */
export function outputFrames(socket: Socket): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      let ok = true;
      for (let at = 0; at < chunk.length; at += MAX_FRAME_BYTES) ok = socket.write(frame('o', chunk.subarray(at, at + MAX_FRAME_BYTES)));
      if (ok || socket.destroyed) {
        done();
        return;
      }
      // A caller that left never drains: its close ends the wait as well.
      const resume = (): void => {
        socket.off('drain', resume);
        socket.off('close', resume);
        done();
      };
      socket.on('drain', resume);
      socket.on('close', resume);
    },
  });
}

/**
 * Reads the header line off a relay's connection; resolves with it and the caller's bytes
 * that follow (ending when the relay half-closes or the connection drops).
 */
export function readRelayHeader(socket: Socket, timeoutMs: number): Promise<{ header: RelayHeader; input: Readable }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new FutuswarmError('protocol', 'no relay header in time')), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', fail);
    };
    function fail(e: Error): void {
      cleanup();
      reject(e);
    }
    const onEnd = (): void => fail(new FutuswarmError('protocol', 'the relay closed before its header'));
    function onData(chunk: Buffer): void {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline < 0) {
        if (buffered.length > MAX_HEADER_BYTES) fail(new FutuswarmError('protocol', 'the relay header is too long'));
        return;
      }
      cleanup();
      socket.pause();
      let header: RelayHeader;
      try {
        header = parseRelayHeader(buffered.subarray(0, newline).toString('utf8'));
      } catch (e) {
        reject(e as Error);
        return;
      }
      const input = new PassThrough();
      const rest = buffered.subarray(newline + 1);
      if (rest.length > 0) input.write(rest);
      socket.pipe(input);
      // A dropped connection ends the input as a half-close does: the caller is gone.
      socket.once('close', () => {
        if (!input.writableEnded) input.end();
      });
      resolve({ header, input });
    }
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', fail);
  });
}
