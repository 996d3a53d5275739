import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectFailureReason, SshConnectFailure, SshHostKeyFailure, translateSshFailure } from '../../src/ssh/ssh-failure.ts';

/** What OpenSSH prints when it could not connect at all, and ssh's words for the reason. */
const CONNECT_FAILURES: readonly [stderr: string, reason: string][] = [
  ['ssh: connect to host 127.0.0.2 port 2222: Connection refused\r\n', 'Connection refused'],
  ['ssh: connect to host m1.example.com port 22: Connection timed out\r\n', 'Connection timed out'],
  ['ssh: connect to host m1.example.com port 22: Operation timed out\r\n', 'Operation timed out'],
  ['ssh: connect to host 10.42.0.7 port 22: No route to host\r\n', 'No route to host'],
  ['ssh: connect to host 2001:db8::7 port 22: Network is unreachable\r\n', 'Network is unreachable'],
  ['ssh: Could not resolve hostname m1.example.com: Name or service not known\r\n', 'Could not resolve hostname'],
  ['ssh: Could not resolve hostname m1: Temporary failure in name resolution\r\n', 'Could not resolve hostname'],
  ['ssh: Could not resolve hostname m1: nodename nor servname provided, or not known\n', 'Could not resolve hostname'],
  ['kex_exchange_identification: read: Connection reset by peer\r\nConnection reset by 10.42.0.7 port 22\r\n', 'read: Connection reset by peer'],
  ['kex_exchange_identification: Connection closed by remote host\r\nConnection closed by 10.42.0.7 port 22\r\n', 'Connection closed by remote host'],
  ['Connection timed out during banner exchange\r\nConnection to 10.42.0.7 port 22 timed out\r\n', 'Connection timed out during banner exchange'],
  // ProxyJump: the jump host could not reach the manager.
  [
    'channel 0: open failed: connect failed: Connection refused\r\nstdio forwarding failed\r\nkex_exchange_identification: Connection closed by remote host\r\nConnection closed by UNKNOWN port 65535\r\n',
    'Connection closed by remote host',
  ],
  // A control socket ssh cannot use: it connects by itself, and that failed.
  ['Control socket connect(/home/a/.cache/futuswarm/ssh/5f1e…): Permission denied\r\nssh: connect to host m1 port 22: Connection refused\r\n', 'Connection refused'],
  ['Failed to connect to new control master\r\n', 'Failed to connect to new control master'],
];

/** Failures after ssh reached the manager, or that say nothing of where it got: never asked elsewhere. */
const OTHER_FAILURES: readonly string[] = [
  'futuswarm@127.0.0.1: Permission denied (publickey).\r\n',
  'Received disconnect from 10.42.0.7 port 22:2: Too many authentication failures\r\nDisconnected from 10.42.0.7 port 22\r\n',
  'Host key verification failed.\r\n',
  '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\nHost key for m1 has changed and you have requested strict checking.\r\nHost key verification failed.\r\n',
  'No ED25519 host key is known for m1 and you have requested strict checking.\r\nHost key verification failed.\r\n',
  'Control socket connect(/c/5f1e): Permission denied\r\nfutuswarm@m1: Permission denied (publickey).\r\n',
  'Connection to m1 closed by remote host.\r\n',
  'Connection closed by 10.42.0.7 port 22\r\n',
  'client_loop: send disconnect: Broken pipe\r\n',
  'Timeout, server m1 not responding.\r\n',
  // The master may have started the agent with our input before it failed.
  'mux_client_request_session: read from master failed: Broken pipe\r\nssh: connect to host m1 port 22: Connection refused\r\n',
  '',
];

describe('connectFailureReason', () => {
  for (const [stderr, reason] of CONNECT_FAILURES) {
    it(`connect failure: ${JSON.stringify(stderr.slice(0, 60))}`, () => assert.equal(connectFailureReason(stderr), reason));
  }
  for (const stderr of OTHER_FAILURES) {
    it(`not a connect failure: ${JSON.stringify(stderr.slice(0, 60))}`, () => assert.equal(connectFailureReason(stderr), undefined));
  }
});

describe('translateSshFailure', () => {
  const target = { host: 'm', port: 22, user: 'futuswarm' };
  it('tells a refused key from an unreachable host and a changed host key', () => {
    assert.equal(translateSshFailure(255, 'futuswarm@m: Permission denied (publickey).', target).code, 'ssh_auth');
    assert.equal(translateSshFailure(255, 'ssh: connect to host m port 22: Connection refused', target).code, 'ssh_unreachable');
    assert.equal(translateSshFailure(255, 'Host key verification failed.', target).code, 'ssh_auth');
    assert.equal(translateSshFailure(1, '', target).code, 'protocol');
  });
  it('a connect failure keeps the message and hint it always had, and carries its reason', () => {
    const e = translateSshFailure(255, 'ssh: connect to host m port 22: Connection refused\r\n', target);
    assert.ok(e instanceof SshConnectFailure);
    assert.deepEqual([e.code, e.message, e.hint, e.host, e.port, e.reason], [
      'ssh_unreachable',
      'cannot reach futuswarm@m:22: ssh: connect to host m port 22: Connection refused',
      'check the context (futuswarm context list) and that the manager is up',
      'm',
      22,
      'Connection refused',
    ]);
  });
  it('is no connect failure once the agent answered, or when ssh did not exit with its own 255', () => {
    const refused = 'ssh: connect to host m port 22: Connection refused';
    assert.ok(!(translateSshFailure(255, refused, target, { answered: true }) instanceof SshConnectFailure));
    assert.ok(!(translateSshFailure(1, refused, target) instanceof SshConnectFailure));
    assert.ok(!(translateSshFailure(null, refused, target) instanceof SshConnectFailure));
  });
  it('a host key that is unknown or changed is its own failure, neither a refused key nor an unreachable host', () => {
    for (const stderr of OTHER_FAILURES.slice(2, 5)) {
      const e = translateSshFailure(255, stderr, target);
      assert.ok(e instanceof SshHostKeyFailure, stderr);
      assert.deepEqual([e.code, e.host, e.port], ['ssh_auth', 'm', 22]);
    }
    assert.ok(!(translateSshFailure(255, 'futuswarm@m: Permission denied (publickey).', target) instanceof SshHostKeyFailure));
  });
  it('a control socket line saying Permission denied is not a refused key', () => {
    const e = translateSshFailure(255, 'Control socket connect(/c/5f1e): Permission denied\r\nssh: connect to host m port 22: Connection refused', target);
    assert.equal(e.code, 'ssh_unreachable');
  });
});
