/** The local cluster's agent config and sshd config, made from the real builders (scripts/local-install.ts). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { localAgentConfig, localSshdConfig, overlay } from '../../scripts/local-install.ts';
import { agentConfigSchema } from '../../src/config/agent-config.ts';
import { parseClusterConfig } from '../../src/config/cluster-file.ts';
import { buildAgentConfig } from '../../src/core/plan-cloud-init.ts';

const REPO = join(import.meta.dirname, '..', '..');
const cluster = parseClusterConfig({
  name: 'local',
  region: 'eu-north-1',
  domain: 'apps.local.test',
  network: { sshCidrs: ['127.0.0.1/32'] },
  databases: { shared: true },
  access: { admins: ['admin'], users: { admin: { keys: [] } }, ldap: { url: 'ldap://127.0.0.1:3890', bindDn: 'cn=a,dc=t', baseDn: 'ou=people,dc=t' } },
});
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

describe('overlay', () => {
  it('merges objects key by key; arrays and scalars replace; null removes', () => {
    assert.deepEqual(
      overlay({ a: { b: 1, c: [1, 2], d: 'x' }, e: 1, f: { g: 1 } }, { a: { b: 2, c: [3] }, e: null, f: 'flat', h: { i: 1 } }),
      { a: { b: 2, c: [3], d: 'x' }, f: 'flat', h: { i: 1 } },
    );
  });
});

describe('localAgentConfig', () => {
  it('is the real manager config with the local settings over it, and the agent accepts it', () => {
    const config = localAgentConfig(cluster, {
      bucket: 'futuswarm-local-state',
      nodePublicKey: KEY,
      overrides: { scheme: 'http', proxy: { httpPort: 8080, trustedProxies: null }, nodeChannel: { from: ['10.231.0.0/24'], port: 2222 }, databases: { tls: 'disable', caFile: null } },
    });
    const real = buildAgentConfig(cluster, { role: 'manager', bucket: 'futuswarm-local-state', nodePublicKey: KEY });
    assert.deepEqual(config.state, real.state, 'the state bucket and key as bootstrap names them');
    assert.equal(config.agentCommand, real.agentCommand);
    assert.deepEqual(config.admins, ['admin']);
    assert.equal(config.scheme, 'http');
    assert.deepEqual(config.proxy, { httpPort: 8080 });
    assert.deepEqual(config.nodeChannel, { publicKey: KEY, from: ['10.231.0.0/24'], port: 2222 });
    assert.deepEqual(config.databases, { ...cluster.databases, tls: 'disable' }, 'the cluster file\'s databases, without the RDS CA file');
    assert.equal(agentConfigSchema.safeParse(config).success, true);
  });

  it('has no node channel before the node key exists, and a worker gets only what a worker needs', () => {
    assert.equal(localAgentConfig(cluster, { bucket: 'futuswarm-local-state', overrides: {} }).nodeChannel, undefined);
    const worker = localAgentConfig(cluster, { bucket: 'futuswarm-local-state', role: 'worker', nodePublicKey: KEY, overrides: { scheme: 'http' } });
    assert.equal(worker.role, 'worker');
    assert.equal(worker.ldap, undefined);
    assert.equal(worker.admins, undefined);
  });

  it('refuses a setting the agent would refuse, naming it', () => {
    assert.throws(() => localAgentConfig(cluster, { bucket: 'futuswarm-local-state', overrides: { scheme: 'ftp' } }), /scheme/);
    assert.throws(() => localAgentConfig(cluster, { bucket: 'futuswarm-local-state', overrides: { nosuch: 1 } }), /nosuch/);
  });
});

describe('localSshdConfig', () => {
  const template = readFileSync(join(REPO, 'templates', 'sshd_config.futuswarm'), 'utf8');
  const settings = { port: 2222, listen: '127.0.0.1', hostKey: '/etc/k', pidFile: '/run/p.pid', agentCommand: '/opt/futuswarm/bin/futuswarm-agent', account: 'futuswarm', owner: 'test' };

  it('listens privately and carries the cluster\'s own Match block, with the agent command filled in', () => {
    const text = localSshdConfig(settings, template);
    assert.match(text, /^Port 2222$/m);
    assert.match(text, /^ListenAddress 127\.0\.0\.1$/m);
    assert.match(text, /^AllowUsers futuswarm$/m);
    assert.ok(text.includes(template.slice(template.indexOf('\nMatch ') + 1).replaceAll('{{agentCommand}}', settings.agentCommand)));
    assert.doesNotMatch(text, /\{\{/);
  });

  it('refuses a relative path or a command with spaces', () => {
    assert.throws(() => localSshdConfig({ ...settings, hostKey: 'k' }, template));
    assert.throws(() => localSshdConfig({ ...settings, agentCommand: '/bin/x; rm' }, template));
  });
});
