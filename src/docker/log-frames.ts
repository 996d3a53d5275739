/**
 * Docker's log and attach streams, decoded as they arrive. A container without a TTY sends
 * frames (8-byte header: stream, 0, 0, 0, big-endian size; then the payload); one with a TTY
 * sends raw bytes. Pure: no I/O, so it is tested with byte strings.
 */
import { StringDecoder } from 'node:string_decoder';

export type StreamName = 'stdout' | 'stderr';

export interface LogLine {
  stream: StreamName;
  text: string;
}

export interface Chunk {
  stream: StreamName;
  data: Buffer;
}

/** Splits a multiplexed stream into its payloads, across chunk boundaries. */
export class FrameDecoder {
  #pending: Buffer = Buffer.alloc(0);
  #framed: boolean | undefined;

  /** `framed`: known in advance (exec with or without TTY); undefined: guessed from the first bytes. */
  constructor(framed?: boolean) {
    this.#framed = framed;
  }

  push(chunk: Buffer): Chunk[] {
    if (this.#framed === false) return chunk.length ? [{ stream: 'stdout', data: chunk }] : [];
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    if (this.#framed === undefined) {
      if (this.#pending.length < 4) return [];
      const b = this.#pending;
      this.#framed = (b[0] === 0 || b[0] === 1 || b[0] === 2) && b[1] === 0 && b[2] === 0 && b[3] === 0;
      if (!this.#framed) {
        const data = this.#pending;
        this.#pending = Buffer.alloc(0);
        return [{ stream: 'stdout', data }];
      }
    }
    const out: Chunk[] = [];
    let offset = 0;
    while (this.#pending.length - offset >= 8) {
      const size = this.#pending.readUInt32BE(offset + 4);
      if (this.#pending.length - offset - 8 < size) break;
      const kind = this.#pending[offset];
      const data = this.#pending.subarray(offset + 8, offset + 8 + size);
      if (size > 0) out.push({ stream: kind === 2 ? 'stderr' : 'stdout', data });
      offset += 8 + size;
    }
    this.#pending = this.#pending.subarray(offset);
    return out;
  }

  /** Bytes left over when the stream ended (an unframed tail, or a truncated frame). */
  end(): Chunk[] {
    const rest = this.#pending;
    this.#pending = Buffer.alloc(0);
    if (rest.length === 0 || this.#framed === true) return [];
    return [{ stream: 'stdout', data: rest }];
  }
}

/** Turns chunks of each stream into whole lines (UTF-8 safe, `\r\n` or `\n`). */
export class LineSplitter {
  readonly #decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  readonly #partial: Record<StreamName, string> = { stdout: '', stderr: '' };

  push(chunk: Chunk): LogLine[] {
    const text = this.#partial[chunk.stream] + this.#decoders[chunk.stream].write(chunk.data);
    const parts = text.split('\n');
    this.#partial[chunk.stream] = parts.pop() ?? '';
    return parts.map((line) => ({ stream: chunk.stream, text: line.endsWith('\r') ? line.slice(0, -1) : line }));
  }

  end(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.#partial[stream] + this.#decoders[stream].end();
      this.#partial[stream] = '';
      if (rest !== '') out.push({ stream, text: rest });
    }
    return out;
  }
}

export interface ParsedLogLine {
  /** RFC 3339 time Docker recorded, when asked for timestamps. */
  time: string | undefined;
  /** Swarm's details: com.docker.swarm.task.id, com.docker.swarm.node.id, … */
  attrs: Record<string, string>;
  message: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * One line of `GET /services/{id}/logs?timestamps=1&details=1`:
 * `<time> <k=v,k=v> <message>`. Either prefix may be absent.
 */
export function parseLogLine(text: string, options: { timestamps: boolean; details: boolean }): ParsedLogLine {
  let rest = text;
  let time: string | undefined;
  if (options.timestamps) {
    const space = rest.indexOf(' ');
    const first = space < 0 ? rest : rest.slice(0, space);
    if (TIMESTAMP.test(first)) {
      time = first;
      rest = space < 0 ? '' : rest.slice(space + 1);
    }
  }
  const attrs: Record<string, string> = {};
  if (options.details) {
    const space = rest.indexOf(' ');
    const first = space < 0 ? rest : rest.slice(0, space);
    if (/^[\w.-]+=/.test(first)) {
      for (const pair of first.split(',')) {
        const eq = pair.indexOf('=');
        if (eq <= 0) continue;
        const value = pair.slice(eq + 1);
        try {
          attrs[pair.slice(0, eq)] = decodeURIComponent(value);
        } catch {
          attrs[pair.slice(0, eq)] = value;
        }
      }
      rest = space < 0 ? '' : rest.slice(space + 1);
    }
  }
  return { time, attrs, message: rest };
}
