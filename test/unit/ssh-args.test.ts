import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSshArgs } from '../../src/ssh/ssh-args.ts';
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
  it('waits as long for the manager as it is told', () => {
    const args = buildSshArgs({ host: 'm1', port: 22, user: 'futuswarm' }, { controlDir: '/c', controlPersistSeconds: 60, connectTimeoutSeconds: 3 });
    assert.ok(args.includes('ConnectTimeout=3'));
    assert.ok(!args.includes('ConnectTimeout=10'));
  });
});

describe('findCommandName', () => {
  it('skips global options and their values', () => {
    assert.equal(findCommandName(['--context', 'prod', '--json', 'app:list']), 'app:list');
    assert.equal(findCommandName(['-q', 'app:deploy', '-n', 'x']), 'app:deploy');
    assert.equal(findCommandName(['--help']), undefined);
  });
});
