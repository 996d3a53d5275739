import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portMismatch, tcpPorts } from '../../src/core/image-ports.ts';

test('the TCP ports of an image\'s EXPOSE lines, as Docker writes them', () => {
  assert.deepEqual(tcpPorts(['8000/tcp']), [8000]);
  assert.deepEqual(tcpPorts(['9000', '53/udp', '8080/tcp', '8080/tcp', '443/tcp']), [443, 8080, 9000]);
  assert.deepEqual(tcpPorts(['70000/tcp', 'x/tcp', '0/tcp', '']), []);
  assert.deepEqual(tcpPorts([]), []);
});

test('a port the image does not expose is said, with the one it does', () => {
  assert.equal(portMismatch('hello:1', 8000, [8000]), undefined);
  assert.equal(portMismatch('hello:1', 8080, undefined), undefined, 'unknown image: nothing to say');
  assert.equal(portMismatch('hello:1', 8080, []), undefined, 'no EXPOSE: nothing to say');
  assert.equal(
    portMismatch('hello:1', 8080, [8000]),
    'warning: hello:1 exposes port 8000, not 8080: the proxy and the health check use 8080; if the app listens on 8000, deploy with --port 8000',
  );
  assert.match(portMismatch('hello:1', 80, [3000, 9000]) ?? '', /exposes ports 3000, 9000, not 80/);
});
