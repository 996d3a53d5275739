import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uptime } from '../../src/cli/commands/admin/agent-status.ts';
import { parseRelayHeader } from '../../src/agent/daemon-wire.ts';
import { FutuswarmError } from '../../src/core/errors.ts';

test('uptimes read as the two largest units', () => {
  assert.deepEqual([0, 7, 125, 3600, 3725, 93784, 9 * 86400].map(uptime), ['0s', '7s', '2m 5s', '1h', '1h 2m', '1d 2h', '9d']);
});

test('the relay header: a person to serve, or the status question; nothing else', () => {
  assert.deepEqual(parseRelayHeader('futuswarm-relay/1 serve alice'), { kind: 'serve', user: 'alice' });
  assert.deepEqual(parseRelayHeader('futuswarm-relay/1 status'), { kind: 'status' });
  for (const bad of ['futuswarm-relay/2 serve alice', 'futuswarm-relay/1 serve', 'futuswarm-relay/1 serve -x', 'futuswarm-relay/1 serve a b', 'futuswarm-relay/1 status x', 'futuswarm-relay/1 exec alice', '']) {
    assert.throws(() => parseRelayHeader(bad), (e: unknown) => e instanceof FutuswarmError && e.code === 'protocol', bad);
  }
});
