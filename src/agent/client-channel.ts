/**
 * The caller at the other end of the SSH channel, for ops that stream (app:logs -f, app:run)
 * or attach (app:exec): whether the caller is still there, and what it sends after the
 * request line.
 *
 * The input carries the request line first. For these ops the CLI keeps its side open
 * afterwards, so the end of the input means the caller went away (Ctrl-C, a dropped
 * connection); so does a broken output, and, for an agent process per request, SIGHUP/SIGTERM
 * from sshd. Other ops' callers close their input right after the request, which is why only
 * ops that ask (`watch`) read it that way. Each request has its own channel (OpContext.channel):
 * the resident agent serves many at once.
 */
import { PassThrough, Readable, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { FutuswarmError } from '../core/errors.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { clientMessageSchema, type ClientMessage } from '../protocol.ts';

/** Client messages buffered before the op reads them; more pauses the input. */
const MAX_QUEUED = 1000;
/**
 * The longest client message: app:exec's input arrives in chunks of at most 64 KiB (base64 in
 * JSON). A longer line is not read on: the op ends with an error, whatever its caller sends.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Bytes after the request line kept while the op has not said how it reads them; more pauses the input. */
const MAX_EARLY_BYTES = 4 * 1024 * 1024;
/** An op gets this long to clean up after its caller left (remove a job, end an exec). */
const CLEANUP_MS = 20_000;

export interface ClientChannel {
  /** Aborted when the caller goes away. Only for ops whose CLI keeps its input open. */
  watch(): AbortSignal;
  /** The client messages after the request line, until the input ends. */
  messages(): AsyncGenerator<ClientMessage>;
  /** The bytes after the request line, unparsed; the caller's side of them is `output`. */
  raw(): Readable;
  /** Raw bytes to the caller (app.push's relay), on the same stream as the events. */
  readonly output: Writable;
}

/** What ends a request besides its input and output: process signals, for an agent per request. */
export interface ChannelHooks {
  /** Calls `leave` when the caller's session is ended from outside (sshd's SIGHUP). */
  onHangup?(leave: (why: string) => void): void;
  /** The op has not finished CLEANUP_MS after its caller left. */
  onStuck?(): void;
}

/** An agent process per request (`futuswarm-agent serve`): sshd's signals end it, and it must not linger. */
export const PROCESS_HOOKS: ChannelHooks = {
  onHangup: (leave) => {
    process.once('SIGHUP', () => leave('the SSH connection was closed'));
    process.once('SIGTERM', () => leave('the agent was asked to stop'));
  },
  onStuck: () => process.exit(129),
};

class StdioChannel implements ClientChannel {
  /** The request line, for serve(); ends after the first newline. */
  readonly request: Readable;
  readonly #input: NodeJS.ReadableStream;
  readonly output: Writable;
  readonly #hooks: ChannelHooks;
  readonly #decoder = new StringDecoder('utf8');
  #requestDone = false;
  /** The start of a message whose end has not arrived, in pieces (joined once, at its newline). */
  #partial: string[] = [];
  #partialBytes = 0;
  /** The caller broke the protocol (a message over the limit): nothing more is read. */
  #failed: FutuswarmError | undefined;
  #earlyBytes = 0;
  readonly #queue: string[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  #gone: AbortController | undefined;
  /** Set by raw(): where the bytes after the request line go instead of #queue. */
  #raw: Readable | undefined;
  /** Bytes after the request line, kept until it is known whether they are messages or raw. */
  #early: Buffer[] = [];
  /** messages() has begun: the input is messages, so #early is not kept. */
  #reading = false;

  constructor(input: NodeJS.ReadableStream, output: Writable, hooks: ChannelHooks) {
    this.#input = input;
    this.output = output;
    this.#hooks = hooks;
    this.request = new Readable({ read: () => undefined });
    input.on('data', (chunk: Buffer | string) => this.#onData(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
    input.on('end', () => this.#onEnd());
    input.on('error', () => this.#onEnd());
  }

  #onData(chunk: Buffer): void {
    if (!this.#requestDone) {
      const newline = chunk.indexOf(0x0a);
      if (newline < 0) {
        // serve() enforces the size limit of the request line as it reads.
        this.request.push(chunk.toString('utf8'));
        return;
      }
      this.request.push(chunk.subarray(0, newline + 1).toString('utf8'));
      this.request.push(null);
      this.#requestDone = true;
      chunk = chunk.subarray(newline + 1);
      if (chunk.length === 0) return;
    }
    if (this.#raw) {
      if (!this.#raw.push(chunk)) this.#input.pause();
      return;
    }
    if (this.#failed) return;
    if (!this.#reading) {
      this.#early.push(chunk);
      this.#earlyBytes += chunk.length;
      if (this.#earlyBytes > MAX_EARLY_BYTES) this.#input.pause();
    }
    const text = this.#decoder.write(chunk);
    const newline = text.indexOf('\n');
    if (newline < 0) {
      // Only a newline completes a message: until then the pieces are kept, not joined.
      this.#partial.push(text);
      this.#partialBytes += chunk.length;
      if (this.#partialBytes > MAX_MESSAGE_BYTES) this.#fail();
      return;
    }
    const lines = (this.#partial.join('') + text).split('\n');
    const rest = lines.pop() ?? '';
    this.#partial = rest === '' ? [] : [rest];
    this.#partialBytes = Buffer.byteLength(rest);
    for (const line of lines) {
      if (Buffer.byteLength(line) > MAX_MESSAGE_BYTES) return this.#fail();
      if (line.trim() !== '') this.#queue.push(line);
    }
    if (this.#partialBytes > MAX_MESSAGE_BYTES) return this.#fail();
    if (this.#queue.length >= MAX_QUEUED) this.#input.pause();
    this.#wake?.();
  }

  /** A message over the limit: drop what is buffered, read nothing more, end the op with the reason. */
  #fail(): void {
    this.#failed = new FutuswarmError('invalid_input', `the caller sent a message over ${MAX_MESSAGE_BYTES / 1024 / 1024} MiB; nothing more of its input is read`, {
      hint: 'the futuswarm CLI sends input in small pieces; send input through it',
    });
    this.#partial = [];
    this.#partialBytes = 0;
    this.#queue.length = 0;
    this.#early = [];
    this.#input.pause();
    this.#gone?.abort(this.#failed);
    this.#wake?.();
  }

  /**
   * The bytes after the request line, unparsed (app.push.relay): from now on nothing reads
   * them as messages. Bytes that arrived before the call come first.
   */
  raw(): Readable {
    if (this.#raw) return this.#raw;
    const raw = new Readable({ read: () => this.#input.resume() });
    for (const chunk of this.#early) raw.push(chunk);
    this.#early = [];
    this.#queue.length = 0;
    this.#partial = [];
    this.#partialBytes = 0;
    if (this.#ended) raw.push(null);
    this.#raw = raw;
    this.#input.resume();
    return raw;
  }

  #onEnd(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#raw?.push(null);
    if (!this.#requestDone) {
      this.request.push(null);
      this.#requestDone = true;
    }
    this.#gone?.abort(new FutuswarmError('interrupted', 'the caller went away'));
    this.#wake?.();
  }

  watch(): AbortSignal {
    if (this.#gone) return this.#gone.signal;
    const gone = new AbortController();
    this.#gone = gone;
    const leave = (why: string) => () => {
      if (!gone.signal.aborted) gone.abort(new FutuswarmError('interrupted', why));
    };
    this.output.on('error', leave('the connection to the caller broke'));
    this.#hooks.onHangup?.((why) => leave(why)());
    // The op cleans up and returns; if it cannot, the hooks say what happens (a process exits).
    const stuck = this.#hooks.onStuck;
    if (stuck) gone.signal.addEventListener('abort', () => setTimeout(stuck, CLEANUP_MS).unref(), { once: true });
    if (this.#failed) gone.abort(this.#failed);
    else if (this.#ended) leave('the caller went away')();
    return gone.signal;
  }

  async *messages(): AsyncGenerator<ClientMessage> {
    this.#reading = true;
    this.#early = [];
    if (!this.#failed) this.#input.resume();
    for (;;) {
      if (this.#failed) throw this.#failed;
      const line = this.#queue.shift();
      if (line !== undefined) {
        if (this.#queue.length < MAX_QUEUED / 2) this.#input.resume();
        let json: unknown;
        try {
          json = JSON.parse(line);
        } catch {
          throw new FutuswarmError('protocol', 'the caller sent something that is not JSON', { hint: 'use the futuswarm CLI' });
        }
        refuseReservedKeys(json, 'the caller sent a message', { code: 'protocol' });
        const parsed = clientMessageSchema().safeParse(json);
        if (!parsed.success) throw new FutuswarmError('protocol', 'the caller sent a message this agent does not understand', { hint: 'upgrade the agent or the CLI so they match' });
        yield parsed.data;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

/**
 * Why an attached command ended early: the caller's own fault when it broke the protocol (a
 * message over the limit), else it went away and the command was detached.
 */
export function callerGone(gone: AbortSignal): FutuswarmError {
  const reason: unknown = gone.reason;
  if (reason instanceof FutuswarmError && reason.code === 'invalid_input') return reason;
  return new FutuswarmError('interrupted', 'the caller went away; the command was detached');
}

/** Nobody on the other end (serve() called in-process, e.g. by tests): never gone, no input. */
class DetachedChannel implements ClientChannel {
  readonly output: Writable = new PassThrough().resume();
  watch(): AbortSignal {
    return new AbortController().signal;
  }
  async *messages(): AsyncGenerator<ClientMessage> {}
  raw(): Readable {
    return Readable.from([]);
  }
}

export function detachedChannel(): ClientChannel {
  return new DetachedChannel();
}

/** The caller of one request: its input (the request line first) and its output. */
export function openClientChannel(input: NodeJS.ReadableStream, output: Writable, hooks: ChannelHooks = {}): { channel: ClientChannel; request: Readable } {
  const channel = new StdioChannel(input, output, hooks);
  return { channel, request: channel.request };
}
