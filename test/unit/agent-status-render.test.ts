import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uptime } from '../../src/cli/commands/admin/agent-status.ts';
import { exitFrame, frame, parseRelayHeader, readFrames } from '../../src/agent/daemon-wire.ts';
import { FutuswarmError } from '../../src/core/errors.ts';

test('uptimes read as the two largest units', () => {
  assert.deepEqual([0, 7, 125, 3600, 3725, 93784, 9 * 86400].map(uptime), ['0s', '7s', '2m 5s', '1h', '1h 2m', '1d 2h', '9d']);
});

test('the relay header: a person to serve, sshd\'s key question, the status question or a hand-over; nothing else', () => {
  assert.deepEqual(parseRelayHeader('futuswarm-relay/1 serve alice'), { kind: 'serve', user: 'alice' });
  const key = 'AAAAC3NzaC1lZDI1NTE5AAAAIHnyAgutiIoZ/5Rih3dsTvenZtayIe2RDmkUKAFGWpT7';
  assert.deepEqual(parseRelayHeader(`futuswarm-relay/1 authorized-keys futuswarm ssh-ed25519 ${key}`), { kind: 'authorized-keys', osUser: 'futuswarm', keyType: 'ssh-ed25519', key });
  for (const bad of [
    'authorized-keys futuswarm ssh-ed25519',
    `authorized-keys futuswarm ssh-ed25519 ${key} extra`,
    `authorized-keys -x ssh-ed25519 ${key}`,
    `authorized-keys futuswarm ssh-rsa ${key}`,
    'authorized-keys futuswarm ssh-ed25519 *)(uid=*',
    `authorized-keys futuswarm ssh-ed25519 ${'A'.repeat(8196)}`,
  ]) {
    assert.throws(() => parseRelayHeader(`futuswarm-relay/1 ${bad}`), (e: unknown) => e instanceof FutuswarmError && e.code === 'protocol', bad);
  }
  assert.deepEqual(parseRelayHeader('futuswarm-relay/1 status'), { kind: 'status' });
  assert.deepEqual(parseRelayHeader('futuswarm-relay/1 hand-over'), { kind: 'hand-over' });
  for (const bad of ['futuswarm-relay/2 serve alice', 'futuswarm-relay/1 serve', 'futuswarm-relay/1 serve -x', 'futuswarm-relay/1 serve a b', 'futuswarm-relay/1 status x', 'futuswarm-relay/1 hand-over alice', 'futuswarm-relay/1 exec alice', '']) {
    assert.throws(() => parseRelayHeader(bad), (e: unknown) => e instanceof FutuswarmError && e.code === 'protocol', bad);
  }
});

test('answer frames read back: output in order, then the exit code; a cut answer has none', () => {
  const answer = Buffer.concat([frame('o', Buffer.from('{"a":')), frame('o', Buffer.from('1}\n')), exitFrame(2)]);
  assert.deepEqual(readFrames(answer), { output: Buffer.from('{"a":1}\n'), code: 2 });
  assert.deepEqual(readFrames(answer.subarray(0, answer.length - 1)), { output: Buffer.from('{"a":1}\n'), code: undefined });
  assert.deepEqual(readFrames(frame('o', Buffer.from('abc')).subarray(0, 6)), { output: Buffer.alloc(0), code: undefined });
  assert.equal(readFrames(exitFrame(300)).code, 255);
});
