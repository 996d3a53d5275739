import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder, LineSplitter, parseLogLine } from '../../src/docker/log-frames.ts';

const frame = (stream: 1 | 2, text: string): Buffer => {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

const decode = (chunks: Buffer[], framed?: boolean) => {
  const frames = new FrameDecoder(framed);
  const lines = new LineSplitter();
  const out = chunks.flatMap((c) => frames.push(c).flatMap((x) => lines.push(x)));
  return [...out, ...frames.end().flatMap((x) => lines.push(x)), ...lines.end()];
};

describe('FrameDecoder + LineSplitter', () => {
  it('splits frames into lines by stream', () => {
    assert.deepEqual(decode([Buffer.concat([frame(1, 'hi\n'), frame(2, 'oops\n'), frame(1, 'bye\n')])]), [
      { stream: 'stdout', text: 'hi' },
      { stream: 'stderr', text: 'oops' },
      { stream: 'stdout', text: 'bye' },
    ]);
  });
  it('reassembles frames and lines cut anywhere, including inside a UTF-8 character', () => {
    const bytes = Buffer.concat([frame(1, 'pää'), frame(1, 'llä\nsecond\r\n'), frame(2, 'no newline')]);
    const cuts = [1, 5, 9, 10, 11, 17, 23];
    const chunks = [0, ...cuts].map((at, i) => bytes.subarray(at, cuts[i] ?? bytes.length));
    assert.deepEqual(decode(chunks), [
      { stream: 'stdout', text: 'päällä' },
      { stream: 'stdout', text: 'second' },
      { stream: 'stderr', text: 'no newline' },
    ]);
  });
  it('passes raw bytes through when the stream is not framed (a TTY)', () => {
    assert.deepEqual(decode([Buffer.from('plain\ntext')]), [
      { stream: 'stdout', text: 'plain' },
      { stream: 'stdout', text: 'text' },
    ]);
    const raw = new FrameDecoder(false);
    assert.deepEqual(raw.push(Buffer.from([1, 0, 0, 0])), [{ stream: 'stdout', data: Buffer.from([1, 0, 0, 0]) }]);
  });
  it('keeps a frame whose payload has not fully arrived', () => {
    const d = new FrameDecoder(true);
    const f = frame(1, 'abcdef');
    assert.deepEqual(d.push(f.subarray(0, 10)), []);
    assert.deepEqual(d.push(f.subarray(10)).map((c) => c.data.toString()), ['abcdef']);
  });
});

describe('parseLogLine', () => {
  const line = '2026-11-22T15:31:12.670078844Z com.docker.swarm.node.id=7y90,com.docker.swarm.service.id=fkz,com.docker.swarm.task.id=nyuo [::1]:45066: response:200';
  it('reads the time, swarm details and the message', () => {
    assert.deepEqual(parseLogLine(line, { timestamps: true, details: true }), {
      time: '2026-11-22T15:31:12.670078844Z',
      attrs: { 'com.docker.swarm.node.id': '7y90', 'com.docker.swarm.service.id': 'fkz', 'com.docker.swarm.task.id': 'nyuo' },
      message: '[::1]:45066: response:200',
    });
  });
  it('leaves a message alone when the prefixes are absent', () => {
    assert.deepEqual(parseLogLine('hello world', { timestamps: true, details: true }), { time: undefined, attrs: {}, message: 'hello world' });
    assert.deepEqual(parseLogLine('a=b c', { timestamps: false, details: false }), { time: undefined, attrs: {}, message: 'a=b c' });
  });
  it('decodes escaped detail values', () => {
    assert.deepEqual(parseLogLine('k=a%20b msg', { timestamps: false, details: true }).attrs, { k: 'a b' });
  });
});
