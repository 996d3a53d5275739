/**
 * How a failed command is told, as data: the lines a person reads and the one JSON document a
 * script reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, FutuswarmError } from '../../src/core/errors.ts';
import { errorDocument, errorLines } from '../../src/cli/render-error.ts';
import { KEPT_TASK_LINES } from '../../src/cli/io.ts';
import { terminal } from '../helpers/terminal-io.ts';

describe('error lines', () => {
  it('every code but internal: message, hint and request id, never "bug"', () => {
    for (const code of ERROR_CODES.filter((c) => c !== 'internal')) {
      const lines = errorLines(new FutuswarmError(code, `it failed (${code})`, { hint: 'do this next', requestId: 'r-42' }));
      assert.deepEqual(
        lines,
        [
          { label: 'error', text: `it failed (${code})` },
          { label: 'hint', text: 'do this next' },
          { label: 'request id', text: 'r-42' },
        ],
        code,
      );
    }
  });

  it('without a hint or request id, the message alone', () => {
    assert.deepEqual(errorLines(new FutuswarmError('aws', 'S3 answered 503 SlowDown')), [{ label: 'error', text: 'S3 answered 503 SlowDown' }]);
  });

  it('internal from the agent: its message, hint and request id, and how to report it', () => {
    const lines = errorLines(new FutuswarmError('internal', 'the agent failed: x is undefined', { hint: 'an admin can find details in the agent log', requestId: 'r-9' }));
    assert.deepEqual(lines.map((l) => l.label), ['internal error', 'hint', 'request id', 'report']);
    assert.equal(lines[0]?.text, 'the agent failed: x is undefined');
    assert.match(lines[3]?.text ?? '', /bug in futuswarm/);
  });

  it('a failure of ours: its stack, or the stack of the failure it wraps', () => {
    const plain = new Error('cannot read properties of undefined');
    assert.deepEqual(errorLines(plain).map((l) => l.label), ['internal error', 'report']);
    assert.equal(errorLines(plain)[0]?.text, plain.stack);
    const wrapped = new FutuswarmError('internal', plain.message, { cause: plain });
    assert.equal(errorLines(wrapped)[0]?.text, plain.stack);
  });
});

describe('the JSON error document', () => {
  it('holds code, message, hint, request id and details, and leaves out what is not there', () => {
    const e = new FutuswarmError('deploy_failed', 'release 4 of shop did not become healthy', { hint: 'fix the image', requestId: 'r-5', details: { tasks: [{ task: 'shop.1', error: 'exit 1' }] } });
    assert.deepEqual(errorDocument(e), {
      error: { code: 'deploy_failed', message: 'release 4 of shop did not become healthy', hint: 'fix the image', requestId: 'r-5', details: { tasks: [{ task: 'shop.1', error: 'exit 1' }] } },
    });
    assert.deepEqual(errorDocument(new FutuswarmError('locked', 'held')), { error: { code: 'locked', message: 'held' } });
    assert.deepEqual(errorDocument(new TypeError('x is not a function')), { error: { code: 'internal', message: 'x is not a function' } });
  });

  it('carries the task lines that explain the failure', () => {
    const logs = [{ source: 'shop.1.abc@node-1', line: 'Error: PORT is not set' }];
    assert.deepEqual(errorDocument(new FutuswarmError('deploy_failed', 'unhealthy'), logs), { error: { code: 'deploy_failed', message: 'unhealthy', logs } });
  });
});

describe('TerminalIo', () => {
  it('shows message, hint and request id of an AWS error, and calls it no bug', () => {
    const { io, out } = terminal('human');
    io.error(new FutuswarmError('aws', 'KMS denied Decrypt', { hint: 'ask an admin to check the key policy', requestId: 'r-77' }));
    assert.equal(out.stderr, 'error: KMS denied Decrypt\nhint: ask an admin to check the key policy\nrequest id: r-77\n');
    assert.equal(out.stdout, '');
  });

  it('colors the labels only', () => {
    const { io, out } = terminal('human', { color: true });
    io.error(new FutuswarmError('protocol', 'the agent sent an event this CLI does not understand', { hint: 'upgrade the CLI' }));
    assert.equal(out.stderr, '\x1b[31merror:\x1b[39m the agent sent an event this CLI does not understand\n\x1b[2mhint:\x1b[22m upgrade the CLI\n');
  });

  it('--json: a failed deploy is one document on stdout that holds its task lines; nothing else on stdout', () => {
    const { io, out } = terminal('json');
    io.progress('rolling shop to release 4');
    io.log('shop.4.x@node-1', 'listening on 127.0.0.1:8080');
    io.log('shop.4.x@node-1', `bad ${'\x1b'}[31m`);
    io.error(new FutuswarmError('deploy_failed', 'release 4 of shop did not become healthy', { hint: 'see its log lines', requestId: 'r-1' }));
    assert.deepEqual(JSON.parse(out.stdout), {
      error: {
        code: 'deploy_failed',
        message: 'release 4 of shop did not become healthy',
        hint: 'see its log lines',
        requestId: 'r-1',
        logs: [
          { source: 'shop.4.x@node-1', line: 'listening on 127.0.0.1:8080' },
          { source: 'shop.4.x@node-1', line: 'bad \x1b[31m' },
        ],
      },
    });
    assert.equal(out.stderr, '');
  });

  it('--json: keeps the last task lines only', () => {
    const { io, out } = terminal('json');
    for (let i = 0; i < KEPT_TASK_LINES + 5; i++) io.log('shop.1', `line ${i}`);
    io.error(new FutuswarmError('deploy_failed', 'unhealthy'));
    const logs = (JSON.parse(out.stdout) as { error: { logs: { line: string }[] } }).error.logs;
    assert.equal(logs.length, KEPT_TASK_LINES);
    assert.equal(logs[0]?.line, 'line 5');
  });

  it('--json: a remote program\'s output goes to stderr, so stdout holds only the result', () => {
    const { io, out } = terminal('json');
    io.relay('stdout', 'migrated 3 tables\n');
    io.relay('stderr', Buffer.from('warning: slow\n'));
    io.result({ app: 'shop', job: 'shop-run-1', exitCode: 0 }, () => '');
    assert.deepEqual(JSON.parse(out.stdout), { app: 'shop', job: 'shop-run-1', exitCode: 0 });
    assert.equal(out.stderr, 'migrated 3 tables\nwarning: slow\n');
  });
});
