/** Many streams over one pair of pipes (app:push's channel), both ends in one process. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough, type Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import { StreamMux } from '../../src/relay-mux.ts';

function pair(onOpen: (stream: Duplex) => void): StreamMux {
  const up = new PassThrough();
  const down = new PassThrough();
  new StreamMux(up, down, onOpen);
  return new StreamMux(down, up);
}

const collect = (stream: Duplex): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

describe('StreamMux', () => {
  it('carries several streams at once, each whole and in order, both ways', async () => {
    const echo = pair((stream) => stream.pipe(stream));
    const payloads = [randomBytes(3 * 1024 * 1024 + 7), randomBytes(10), Buffer.alloc(0), randomBytes(700_000)];
    const results = await Promise.all(
      payloads.map((payload) => {
        const stream = echo.open();
        const got = collect(stream);
        stream.end(payload);
        return got;
      }),
    );
    results.forEach((got, i) => assert.ok(got.equals(payloads[i]!), `stream ${i}`));
  });

  it('keeps each direction open until its side ends it (half-close)', async () => {
    const server = pair((stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => stream.end(Buffer.concat([Buffer.from('got '), ...chunks])));
    });
    const stream = server.open();
    const answer = collect(stream);
    stream.write('a request');
    stream.end();
    assert.equal((await answer).toString(), 'got a request');
  });

  it('a stream destroyed on one side is reset on the other', async () => {
    let remote: Duplex | undefined;
    const opened = new Promise<void>((resolve) => {
      const mux = pair((stream) => {
        remote = stream;
        resolve();
      });
      const stream = mux.open();
      stream.write('x');
      setImmediate(() => stream.destroy());
    });
    await opened;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(remote?.destroyed, true);
  });
});
