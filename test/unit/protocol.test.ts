import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FutuswarmError, parseWith } from '../../src/core/errors.ts';
import { eventSchema, isOp, OP_ARGS, requestSchema } from '../../src/protocol.ts';
import { validateArgs } from '../../src/cli/validate-args.ts';
import { errorFromEvent } from '../../src/ssh/agent-client.ts';

describe('requests', () => {
  it('accepts a well-formed deploy request', () => {
    const req = requestSchema().parse({ v: 1, op: 'app.deploy', args: { app: 'shop', image: 'acme/shop', tag: '1', port: 80 } });
    assert.equal(isOp(req.op), true);
    assert.deepEqual(OP_ARGS['app.deploy'].parse(req.args), { app: 'shop', image: 'acme/shop', tag: '1', port: 80 });
  });
  it('rejects extra fields at every level', () => {
    assert.equal(requestSchema().safeParse({ v: 1, op: 'app.list', args: {}, extra: 1 }).success, false);
    assert.equal(OP_ARGS['app.deploy'].safeParse({ app: 'shop', image: 'acme/shop', tag: '1', command: 'sh' }).success, false);
    assert.equal(OP_ARGS['app.deploy'].safeParse({ app: 'shop', image: 'a/b', tag: '1', limits: { gpus: 1 } }).success, false);
  });
  it('rejects other protocol versions and unknown ops', () => {
    assert.equal(requestSchema().safeParse({ v: 2, op: 'app.list', args: {} }).success, false);
    assert.equal(isOp('app.nope'), false);
    assert.equal(isOp('toString'), false);
  });
  it('reports every bad value with its path', () => {
    assert.throws(
      () => parseWith(OP_ARGS['app.deploy'], { app: 'Bad', image: 'acme/shop', tag: '1', replicas: -1 }, 'invalid arguments', { root: 'args' }),
      (e: unknown) => {
        assert.ok(e instanceof FutuswarmError);
        assert.equal(e.code, 'invalid_input');
        assert.match(e.message, /args\.app: must be a DNS label/);
        assert.match(e.message, /args\.replicas: /);
        return true;
      },
    );
  });
  it('names the CLI flag of a bad argument', () => {
    assert.throws(() => validateArgs('app.deploy', { app: 'shop', image: 'Acme', tag: '1' }, { image: '--image' }), /^FutuswarmError: --image: must be an image name/);
  });
});

describe('events', () => {
  it('parses each event type', () => {
    assert.equal(eventSchema.parse({ type: 'progress', step: 'create', message: 'x' }).type, 'progress');
    assert.equal(eventSchema.parse({ type: 'log', stream: 'stderr', line: 'x' }).type, 'log');
    assert.equal(eventSchema.parse({ type: 'result', data: { a: 1 } }).type, 'result');
    assert.equal(eventSchema.parse({ type: 'error', code: 'forbidden', message: 'no', hint: 'ask' }).type, 'error');
  });
  it('rejects unknown event types, unknown error codes and extra fields', () => {
    assert.equal(eventSchema.safeParse({ type: 'shell', cmd: 'id' }).success, false);
    assert.equal(eventSchema.safeParse({ type: 'error', code: 'oops', message: 'x' }).success, false);
    assert.equal(eventSchema.safeParse({ type: 'progress', step: 'a', message: 'b', extra: 1 }).success, false);
  });
  it('an error event becomes this side\'s error with its code, hint, details and request id', () => {
    const event = eventSchema.parse({ type: 'error', code: 'aws', message: 'S3 said no', hint: 'ask an admin', details: { bucket: 'b' }, requestId: 'r-7f3a' });
    assert.equal(event.type, 'error');
    if (event.type !== 'error') return;
    const e = errorFromEvent(event);
    assert.deepEqual([e.code, e.message, e.hint, e.details, e.requestId], ['aws', 'S3 said no', 'ask an admin', { bucket: 'b' }, 'r-7f3a']);
    const bare = errorFromEvent({ type: 'error', code: 'locked', message: 'held' });
    assert.deepEqual([bare.hint, bare.details, bare.requestId], [undefined, undefined, undefined]);
  });
});
