import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSshArgs } from '../../src/ssh/ssh-args.ts';
import { translateSshFailure } from '../../src/ssh/agent-client.ts';
import { findCommandName } from '../../src/cli/main.ts';

describe('buildSshArgs', () => {
  it('multiplexes, keeps host-key checking on and never asks for a password', () => {
    assert.deepEqual(buildSshArgs({ host: 'manager-1', port: 22, user: 'futuswarm' }, { controlDir: '/c', controlPersistSeconds: 60 }), [
      '-T', '-o', 'BatchMode=yes', '-o', 'ControlMaster=auto', '-o', 'ControlPath=/c/%C', '-o', 'ControlPersist=60',
      '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=3', '-o', 'ConnectTimeout=10', '-o', 'Ciphers=^aes128-gcm@openssh.com',
      '-p', '22', '-l', 'futuswarm', '--', 'manager-1', 'futuswarm-agent',
    ]);
  });
  it('adds an identity and a known_hosts file when the context names them', () => {
    const args = buildSshArgs({ host: '127.0.0.1', port: 2222, user: 'futuswarm', identityFile: '/k/id', knownHostsFile: '/k/kh' }, { controlDir: '/c', controlPersistSeconds: 60 });
    assert.deepEqual(args.slice(-9), ['-i', '/k/id', '-o', 'IdentitiesOnly=yes', '-o', 'UserKnownHostsFile=/k/kh', '--', '127.0.0.1', 'futuswarm-agent']);
    assert.deepEqual(args.slice(args.indexOf('-p'), args.indexOf('-p') + 2), ['-p', '2222']);
    assert.ok(!args.includes('StrictHostKeyChecking=no'));
  });
});

describe('translateSshFailure', () => {
  const target = { host: 'm', port: 22, user: 'futuswarm' };
  it('tells a refused key from an unreachable host and a changed host key', () => {
    assert.equal(translateSshFailure(255, 'futuswarm@m: Permission denied (publickey).', target).code, 'ssh_auth');
    assert.equal(translateSshFailure(255, 'ssh: connect to host m port 22: Connection refused', target).code, 'ssh_unreachable');
    assert.equal(translateSshFailure(255, 'Host key verification failed.', target).code, 'ssh_auth');
    assert.equal(translateSshFailure(1, '', target).code, 'protocol');
  });
});

describe('findCommandName', () => {
  it('skips global options and their values', () => {
    assert.equal(findCommandName(['--context', 'prod', '--json', 'app:list']), 'app:list');
    assert.equal(findCommandName(['-q', 'app:deploy', '-n', 'x']), 'app:deploy');
    assert.equal(findCommandName(['--help']), undefined);
  });
});
