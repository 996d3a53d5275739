import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { clientMessageSchema, eventSchema, OP_ARGS } from '../../src/protocol.ts';
import { MAX_MESSAGE_BYTES, openClientChannel } from '../../src/agent/client-channel.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { chooseTask } from '../../src/agent/ops/app-exec.ts';
import { previousRelease } from '../../src/agent/ops/app-rollback.ts';
import { envOfSpec } from '../../src/agent/live-app.ts';
import type { TaskInfo } from '../../src/docker/engine.ts';

const task = (over: Partial<TaskInfo>): TaskInfo => ({
  id: 'task1aaaaaaaaaaaaaaaaaaaa',
  serviceId: 'svc-shop',
  slot: 1,
  nodeId: 'node-a',
  state: 'running',
  desiredState: 'running',
  message: 'started',
  error: undefined,
  exitCode: undefined,
  containerId: 'c1',
  release: '3',
  labels: {},
  addresses: {},
  image: 'acme/shop:1',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  since: 0,
  ...over,
});

describe('previousRelease', () => {
  const releases = [{ n: 1 }, { n: 2 }, { n: 4 }, { n: 5 }];
  it('is the newest release before the live one', () => {
    assert.equal(previousRelease('shop', 5, releases), 4);
    assert.equal(previousRelease('shop', 4, releases), 2);
    // A rollback made release 5 live again after 6 failed: still the one before it.
    assert.equal(previousRelease('shop', 6, releases), 5);
  });
  it('passes over releases that failed: they never ran', () => {
    const withFailures = [{ n: 1 }, { n: 2, status: 'deployed' as const }, { n: 3, status: 'failed' as const }, { n: 4, status: 'failed' as const }, { n: 5 }];
    assert.equal(previousRelease('shop', 5, withFailures), 2);
    assert.throws(() => previousRelease('shop', 2, [{ n: 1, status: 'failed' as const }, { n: 2 }]), (e: unknown) => e instanceof FutuswarmError && e.code === 'not_found');
  });
  it('says when there is nothing to go back to', () => {
    assert.throws(() => previousRelease('shop', 1, releases), (e: unknown) => e instanceof FutuswarmError && e.code === 'not_found');
    assert.throws(() => previousRelease('shop', undefined, releases), (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input' && /--to N/.test(e.hint ?? ''));
  });
});

describe('chooseTask', () => {
  const tasks = [
    task({ id: 'old0bbbbbbbbbbbbbbbbbbbbb', state: 'shutdown', desiredState: 'shutdown', nodeId: 'node-a' }),
    task({ id: 'far1cccccccccccccccccccc', slot: 1, nodeId: 'node-b' }),
    task({ id: 'here2ddddddddddddddddddd', slot: 2, nodeId: 'node-a' }),
  ];
  it('prefers a running task on this node', () => {
    assert.equal(chooseTask('shop', tasks, 'node-a', undefined).id, 'here2ddddddddddddddddddd');
    assert.equal(chooseTask('shop', tasks, 'node-z', undefined).id, 'far1cccccccccccccccccccc');
  });
  it('takes the task asked for, by slot or ID prefix, if it runs', () => {
    assert.equal(chooseTask('shop', tasks, 'node-a', '1').id, 'far1cccccccccccccccccccc');
    assert.equal(chooseTask('shop', tasks, 'node-a', 'here2').id, 'here2ddddddddddddddddddd');
    // Slot 1 is far1…, even when another running task's ID starts with "1" and comes first.
    const clash = [task({ id: '1xyzeeeeeeeeeeeeeeeeeeeee', slot: 2, nodeId: 'node-a' }), ...tasks];
    assert.equal(chooseTask('shop', clash, 'node-a', '1').id, 'far1cccccccccccccccccccc');
    assert.equal(chooseTask('shop', clash, 'node-a', '1xyz').id, '1xyzeeeeeeeeeeeeeeeeeeeee');
    assert.throws(() => chooseTask('shop', tasks, 'node-a', 'old0'), /shop has no running task old0/);
  });
  it('fails when nothing runs', () => {
    assert.throws(() => chooseTask('shop', [tasks[0]!], 'node-a', undefined), /no running task to exec into/);
  });
});

describe('envOfSpec', () => {
  it('reads KEY=value pairs, values may contain =', () => {
    assert.deepEqual(envOfSpec({ TaskTemplate: { ContainerSpec: { Env: ['A=1', 'URL=postgres://u:p@h/db?x=y', 'EMPTY='] } } }), { A: '1', URL: 'postgres://u:p@h/db?x=y', EMPTY: '' });
    assert.deepEqual(envOfSpec({}), {});
  });
});

describe('lifecycle op arguments', () => {
  it('takes commands as argv arrays, never as a shell string', () => {
    assert.equal(OP_ARGS['app.run'].safeParse({ app: 'shop', command: 'bin/migrate --step 1' }).success, false);
    assert.equal(OP_ARGS['app.run'].safeParse({ app: 'shop', command: [] }).success, false);
    assert.deepEqual(OP_ARGS['app.exec'].parse({ app: 'shop', command: ['sh'], interactive: true, tty: true, cols: 80, rows: 24 }).command, ['sh']);
  });
  it('keeps explicit locks between a minute and a week', () => {
    assert.equal(OP_ARGS['app.lock'].safeParse({ app: 'shop', ttlSeconds: 30 }).success, false);
    assert.equal(OP_ARGS['app.lock'].safeParse({ app: 'shop', ttlSeconds: 8 * 86400 }).success, false);
    assert.equal(OP_ARGS['app.lock'].safeParse({ app: 'shop', message: 'db migration', ttlSeconds: 3600 }).success, true);
  });
  it('validates what the caller sends after the request', () => {
    assert.equal(clientMessageSchema().safeParse({ type: 'stdin', data: 'aGk=' }).success, true);
    assert.equal(clientMessageSchema().safeParse({ type: 'stdin', data: 'not base64!' }).success, false);
    assert.equal(clientMessageSchema().safeParse({ type: 'resize', cols: 0, rows: 24 }).success, false);
    assert.equal(eventSchema.safeParse({ type: 'output', stream: 'stdout', data: 'aGk=' }).success, true);
  });
});

describe('the client channel', () => {
  it('hands serve() the request line and keeps what follows for the op', async () => {
    const input = new PassThrough();
    const { channel, request } = openClientChannel(input, new PassThrough());
    input.write('{"v":1,"op":"app.exec"}\n{"type":"stdin","data":"aGk="}\n{"type":"e');
    input.end('of"}\n');
    let line = '';
    for await (const chunk of request) line += String(chunk);
    assert.equal(line, '{"v":1,"op":"app.exec"}\n');
    const messages: unknown[] = [];
    for await (const m of channel.messages()) messages.push(m);
    assert.deepEqual(messages, [{ type: 'stdin', data: 'aGk=' }, { type: 'eof' }]);
    assert.equal(channel.watch().aborted, true, 'the end of input means the caller left');
  });

  it('assembles a message that arrives in many pieces, up to the limit', async () => {
    const input = new PassThrough();
    const { channel, request } = openClientChannel(input, new PassThrough());
    input.write('{"v":1,"op":"app.exec"}\n');
    for await (const _ of request) void _;
    const data = Buffer.alloc(600 * 1024, 7).toString('base64');
    const line = `${JSON.stringify({ type: 'stdin', data })}\n`;
    for (let at = 0; at < line.length; at += 1000) input.write(line.slice(at, at + 1000));
    input.end();
    const messages: unknown[] = [];
    for await (const m of channel.messages()) messages.push(m);
    assert.deepEqual(messages, [{ type: 'stdin', data }]);
  });

  it('refuses a message over the limit and reads no more of the input', async () => {
    const input = new PassThrough();
    const { channel, request } = openClientChannel(input, new PassThrough());
    input.write('{"v":1,"op":"app.exec"}\n{"type":"stdin","data":"aGk="}\n');
    for await (const _ of request) void _;
    const gone = channel.watch();
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    // Over the limit without a newline: the channel stops before the line ends.
    for (let sent = 0; sent <= MAX_MESSAGE_BYTES + chunk.length; sent += chunk.length) input.write(chunk);
    const seen: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const m of channel.messages()) seen.push(m);
      })(),
      (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input' && /over 1 MiB/.test(e.message),
    );
    assert.deepEqual(seen, [], 'what was queued before is dropped with the rest');
    assert.equal(gone.aborted, true);
    assert.equal(input.isPaused(), true, 'nothing more is read');
  });
});
