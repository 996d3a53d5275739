/** The node channel's pure parts: what sshd is told, what ssh is run with, what a node accepts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizedKeys } from '../../src/agent/authorized-keys.ts';
import { agentConfigSchema } from '../../src/config/agent-config.ts';
import { renderNodeKeyLine } from '../../src/agent/key-lookup.ts';
import { knownHostsLines, nodeSshArgs } from '../../src/agent/node-channel.ts';
import { parseNodeRegisterArgs } from '../../src/agent/node-register.ts';
import { nodeRequestSchema } from '../../src/protocol.ts';
import { newSshKey } from '../helpers/ssh-key.ts';

const nodeKey = newSshKey('futuswarm-node@test');
const config = (more: Record<string, unknown>) =>
  agentConfigSchema.parse({
    cluster: 'test',
    domain: 'apps.example.com',
    state: { bucket: 'futuswarm-test-state', kmsKeyId: 'alias/futuswarm-test' },
    agentCommand: '/opt/futuswarm/bin/futuswarm-agent',
    nodeChannel: { publicKey: nodeKey.line, from: ['10.0.0.0/16'] },
    ...more,
  });

describe('node key in authorized-keys', () => {
  it('answers the node key with node-serve, restricted to the managers network', async () => {
    const line = await authorizedKeys(config({ role: 'worker' }), 'futuswarm', nodeKey.type, nodeKey.base64);
    assert.equal(line, `restrict,from="10.0.0.0/16",command="/opt/futuswarm/bin/futuswarm-agent node-serve" ${nodeKey.type} ${nodeKey.base64}`);
    // Another account, or another key on a worker: nothing, so sshd refuses.
    assert.equal(await authorizedKeys(config({ role: 'worker' }), 'root', nodeKey.type, nodeKey.base64), undefined);
    const person = newSshKey('alice');
    assert.equal(await authorizedKeys(config({ role: 'worker' }), 'futuswarm', person.type, person.base64), undefined);
  });

  it('renders from= only when set, and refuses patterns that could smuggle options', () => {
    assert.equal(renderNodeKeyLine('/a/agent', [], nodeKey.type, nodeKey.base64), `restrict,command="/a/agent node-serve" ${nodeKey.type} ${nodeKey.base64}`);
    assert.match(renderNodeKeyLine('/a/agent', ['10.0.1.0/24', '!10.0.1.9'], nodeKey.type, nodeKey.base64), /^restrict,from="10\.0\.1\.0\/24,!10\.0\.1\.9",command=/);
    assert.throws(() => renderNodeKeyLine('/a/agent', ['10.0.0.0/8",command="sh'], nodeKey.type, nodeKey.base64), /nodeChannel\.from/);
  });

  it('the agent config rejects a node key that is not a public key, with its path', () => {
    const r = agentConfigSchema.safeParse({
      cluster: 'test', domain: 'apps.example.com', state: { bucket: 'futuswarm-test-state', kmsKeyId: 'k' },
      nodeChannel: { publicKey: '-----BEGIN OPENSSH PRIVATE KEY-----' },
    });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0]?.path, ['nodeChannel', 'publicKey']);
    assert.equal(config({}).role, 'manager');
    assert.equal(config({}).nodeChannel?.port, 22);
  });
});

describe('ssh to a node', () => {
  it('uses only the node key, strict host keys and no user config, with the address last', () => {
    const args = nodeSshArgs({ identityFile: '/tmp/k/node_key', knownHostsFile: '/tmp/k/known_hosts', port: 2222, user: 'futuswarm', addr: '10.0.3.4' });
    const opt = (name: string) => args[args.indexOf(`${name}`) + 1];
    assert.equal(opt('-F'), '/dev/null');
    assert.equal(opt('-i'), '/tmp/k/node_key');
    for (const o of ['IdentitiesOnly=yes', 'BatchMode=yes', 'StrictHostKeyChecking=yes', 'UserKnownHostsFile=/tmp/k/known_hosts', 'GlobalKnownHostsFile=/dev/null']) {
      assert.ok(args.includes(o), o);
    }
    assert.deepEqual(args.slice(-2), ['--', '10.0.3.4']);
  });

  it('starts a shared connection with the key, and reuses one without any key', () => {
    const base = { knownHostsFile: '/tmp/k/known_hosts', port: 2222, user: 'futuswarm', addr: '10.0.3.4' };
    const start = nodeSshArgs({ ...base, identityFile: '/tmp/k/node_key', control: { mode: 'start', socket: '/tmp/s/abc', persistSeconds: 60 } });
    for (const o of ['ControlMaster=auto', 'ControlPath=/tmp/s/abc', 'ControlPersist=60', 'StrictHostKeyChecking=yes']) assert.ok(start.includes(o), o);
    assert.equal(start[start.indexOf('-i') + 1], '/tmp/k/node_key');

    const reuse = nodeSshArgs({ ...base, control: { mode: 'reuse', socket: '/tmp/s/abc' } });
    for (const o of ['ControlMaster=no', 'ControlPath=/tmp/s/abc', 'IdentityFile=none', 'PubkeyAuthentication=no', 'BatchMode=yes']) assert.ok(reuse.includes(o), o);
    assert.ok(!reuse.includes('-i') && !reuse.some((a) => a.startsWith('ControlPersist')));
    assert.deepEqual(reuse.slice(-2), ['--', '10.0.3.4']);

    const plain = nodeSshArgs({ ...base, identityFile: '/tmp/k/node_key' });
    assert.ok(!plain.some((a) => a.startsWith('Control')));
  });

  it('writes known_hosts lines with the port when it is not 22', () => {
    assert.equal(knownHostsLines('10.0.3.4', 22, ['ssh-ed25519 AAAA']), '10.0.3.4 ssh-ed25519 AAAA\n');
    assert.equal(knownHostsLines('10.0.3.4', 2222, ['ssh-ed25519 AAAA', 'ssh-rsa BBBB']), '[10.0.3.4]:2222 ssh-ed25519 AAAA\n[10.0.3.4]:2222 ssh-rsa BBBB\n');
  });
});

describe('node requests', () => {
  const ok = { v: 1, op: 'node.exec', app: 'shop', containerId: 'a'.repeat(64), name: 'shop.1.x@n', command: ['sh'], interactive: true, tty: false };
  it('accepts exactly one op on a full container ID', () => {
    assert.equal(nodeRequestSchema().safeParse(ok).success, true);
    for (const [bad, path] of [
      [{ ...ok, op: 'node.shell' }, 'op'],
      [{ ...ok, containerId: 'abc' }, 'containerId'],
      [{ ...ok, app: 'Shop;x' }, 'app'],
      [{ ...ok, command: [] }, 'command'],
      [{ ...ok, extra: 1 }, ''],
    ] as const) {
      const r = nodeRequestSchema().safeParse(bad);
      assert.equal(r.success, false, JSON.stringify(bad));
      assert.equal(r.error?.issues[0]?.path.join('.'), path);
    }
  });
});

describe('node:register arguments', () => {
  it('needs an address and takes host key files', () => {
    assert.deepEqual(parseNodeRegisterArgs(['--addr', '10.0.0.5', '--hostname', 'w1', '--host-key', '/a.pub', '--host-key', '/b.pub']), {
      addr: '10.0.0.5', hostname: 'w1', hostKeyFiles: ['/a.pub', '/b.pub'],
    });
    assert.equal(parseNodeRegisterArgs(['--hostname', 'w1']), undefined);
    assert.equal(parseNodeRegisterArgs(['--addr']), undefined);
    assert.equal(parseNodeRegisterArgs(['--addr', '1.2.3.4', '--bogus', 'x']), undefined);
  });
});
