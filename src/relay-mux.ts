/**
 * Many byte streams over one (the SSH channel of `app:push`). Docker opens a new TCP connection
 * for every registry request (it turns keep-alive off), and a new SSH session with a new agent
 * process per connection would cost more than the request; so the CLI carries all of a push's
 * connections over one agent process, as frames:
 *
 *   type (1 byte) | stream id (uint32 BE) | length (uint32 BE) | payload
 *
 * OPEN starts a stream (ids are chosen by the side that opens), DATA carries bytes, END closes
 * the sender's direction (the other may go on), RESET drops the stream. Backpressure: a stream
 * whose reader is full pauses the whole input until it drains; writes wait for the output.
 */
import { Duplex, type Readable, type Writable } from 'node:stream';

const OPEN = 1;
const DATA = 2;
const END = 3;
const RESET = 4;
const HEADER = 9;
/** Larger writes are cut into frames of at most this many bytes. */
const MAX_PAYLOAD = 256 * 1024;
/**
 * What one stream may hold unread before it pauses the channel, and so every other stream.
 * The registry stops reading a layer while it stores a part of it (10 MB to S3): this much
 * slack keeps the other layers moving meanwhile, as their own TCP connections would.
 */
const STREAM_BUFFER = 32 * 1024 * 1024;

interface Entry {
  stream: Duplex;
  /** The other side sent END. */
  remoteEnded: boolean;
}

export class StreamMux {
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #streams = new Map<number, Entry>();
  readonly #onOpen: ((stream: Duplex) => void) | undefined;
  #nextId = 1;
  /** The header being gathered, and the DATA frame whose payload is arriving. */
  #header: Buffer = Buffer.alloc(0);
  #current: { id: number; remaining: number } | undefined;
  #blocked = new Set<number>();
  #closed = false;

  /** `onOpen`: streams the other side opens (the agent's side); the CLI opens them with open(). */
  constructor(input: Readable, output: Writable, onOpen?: (stream: Duplex) => void) {
    this.#input = input;
    this.#output = output;
    this.#onOpen = onOpen;
    input.on('data', (chunk: Buffer) => this.#receive(chunk));
    const gone = () => this.#closeAll();
    input.on('end', gone);
    input.on('close', gone);
    input.on('error', gone);
    output.on('error', gone);
    // A stream paused before (to hand it over) does not start flowing with a 'data' listener.
    input.resume();
  }

  /** A new stream to the other side. */
  open(): Duplex {
    const id = this.#nextId;
    this.#nextId += 2;
    const stream = this.#stream(id);
    this.#send(OPEN, id);
    return stream;
  }

  /** Ends every stream: the carrier is gone. */
  #closeAll(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const { stream } of this.#streams.values()) stream.destroy();
    this.#streams.clear();
  }

  #send(type: number, id: number, payload?: Buffer): boolean {
    if (this.#closed) return true;
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt8(type, 0);
    header.writeUInt32BE(id, 1);
    header.writeUInt32BE(payload?.length ?? 0, 5);
    if (!payload?.length) return this.#output.write(header);
    this.#output.write(header);
    return this.#output.write(payload);
  }

  #stream(id: number): Duplex {
    const mux = this;
    const entry: Entry = {
      remoteEnded: false,
      stream: new Duplex({
        allowHalfOpen: true,
        readableHighWaterMark: STREAM_BUFFER,
        read() {
          if (mux.#blocked.delete(id) && mux.#blocked.size === 0) mux.#input.resume();
        },
        write(chunk: Buffer, _encoding, done) {
          let ok = true;
          for (let at = 0; at < chunk.length; at += MAX_PAYLOAD) ok = mux.#send(DATA, id, chunk.subarray(at, at + MAX_PAYLOAD));
          if (ok || mux.#closed) done();
          else mux.#output.once('drain', () => done());
        },
        final(done) {
          mux.#send(END, id);
          done();
        },
        destroy(error, done) {
          if (mux.#streams.delete(id)) {
            mux.#blocked.delete(id);
            if (mux.#blocked.size === 0) mux.#input.resume();
            mux.#send(RESET, id);
          }
          done(error);
        },
      }),
    };
    // Both directions done: forget the stream without a RESET.
    entry.stream.on('finish', () => {
      if (entry.remoteEnded) this.#forget(id);
    });
    this.#streams.set(id, entry);
    return entry.stream;
  }

  #forget(id: number): void {
    const entry = this.#streams.get(id);
    if (!entry) return;
    this.#streams.delete(id);
    this.#blocked.delete(id);
    if (this.#blocked.size === 0) this.#input.resume();
  }

  /**
   * Frames as bytes arrive: a header is gathered whole (9 bytes), a DATA payload is handed on in
   * the pieces it arrives in, without copying it into one buffer first.
   */
  #receive(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#current === undefined) {
        const need = HEADER - this.#header.length;
        this.#header = Buffer.concat([this.#header, chunk.subarray(at, at + need)]);
        at += Math.min(need, chunk.length - at);
        if (this.#header.length < HEADER) return;
        const type = this.#header.readUInt8(0);
        const id = this.#header.readUInt32BE(1);
        const length = this.#header.readUInt32BE(5);
        this.#header = Buffer.alloc(0);
        if (length > MAX_PAYLOAD || (type !== DATA && length > 0)) {
          this.#output.destroy(new Error('relay: a malformed frame'));
          this.#closeAll();
          return;
        }
        if (type !== DATA) {
          this.#frame(type, id, Buffer.alloc(0));
          continue;
        }
        this.#current = { id, remaining: length };
        if (length === 0) this.#current = undefined;
        continue;
      }
      const piece = chunk.subarray(at, at + this.#current.remaining);
      at += piece.length;
      this.#current.remaining -= piece.length;
      const id = this.#current.id;
      if (this.#current.remaining === 0) this.#current = undefined;
      this.#frame(DATA, id, piece);
    }
  }

  #frame(type: number, id: number, payload: Buffer): void {
    if (type === OPEN) {
      if (!this.#onOpen || this.#streams.has(id)) {
        this.#send(RESET, id);
        return;
      }
      this.#onOpen(this.#stream(id));
      return;
    }
    const entry = this.#streams.get(id);
    if (!entry) return;
    if (type === DATA) {
      if (!entry.stream.push(payload)) {
        this.#blocked.add(id);
        this.#input.pause();
      }
    } else if (type === END) {
      entry.remoteEnded = true;
      entry.stream.push(null);
      if (entry.stream.writableFinished) this.#forget(id);
    } else if (type === RESET) {
      this.#streams.delete(id);
      this.#blocked.delete(id);
      entry.stream.destroy();
    }
  }
}
