import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { agentConfigSchema } from '../../src/config/agent-config.ts';
import { usersFileSchema } from '../../src/config/users-file.ts';
import { parseClusterConfig } from '../../src/config/cluster-file.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { AGENT_PREFIX } from '../../src/core/agent-bundle.ts';
import {
  AGENT_COMMAND,
  buildAgentConfig,
  NODE_KEY_PENDING,
  RDS_CA_FILE,
  renderCloudInit,
  withoutComments,
  renderTemplate,
  shellEnvFile,
  shellQuote,
  withNodeKey,
  type CloudInitTemplates,
} from '../../src/core/plan-cloud-init.ts';
import { newSshKey } from '../helpers/ssh-key.ts';
import { SWARM_JOIN_OBJECT_KEYS, SWARM_MANAGERS_PREFIX } from '../../src/core/plan-names.ts';
import { loadCloudInitTemplates } from '../../src/admin/bootstrap.ts';

const templates: CloudInitTemplates = loadCloudInitTemplates();
const nodeKey = newSshKey('futuswarm-node@prod').line;

const config = parseClusterConfig({
  name: 'prod',
  region: 'eu-north-1',
  domain: 'apps.example.com',
  network: { sshCidrs: ['203.0.113.0/24'] },
  access: { admins: ['alice'], users: { alice: { keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3x alice@laptop'] } } },
});
const bucket = 'futuswarm-prod-123456789012-eu-north-1';

type CloudConfig = {
  packages: string[];
  write_files: { path: string; content: string; permissions: string }[];
  runcmd: (string | string[])[];
};

/** As bootstrap launches a node: rendered while the node key may not exist, the key put in at launch. */
function render(name: string, kind: 'manager' | 'worker', swarmInit: boolean): { text: string; doc: CloudConfig; files: Map<string, string> } {
  const text = withNodeKey(renderCloudInit(config, { bucket, node: { name, kind, swarmInit }, templates, nodePublicKey: NODE_KEY_PENDING }), nodeKey, name);
  const doc = parse(text) as CloudConfig;
  return { text, doc, files: new Map(doc.write_files.map((f) => [f.path, f.content])) };
}

function envOf(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split('\n').map((l) => l.split('=') as [string, string]));
}

test('the first manager: Docker, the agent, sshd for the futuswarm account, then swarm init', () => {
  const { text, doc, files } = render('manager-1', 'manager', true);
  assert.ok(text.startsWith('#cloud-config\n'));
  assert.deepEqual(doc.packages, ['docker.io', 'awscli', 'jq', 'curl', 'openssh-server']);
  assert.deepEqual([...files.keys()], [
    '/etc/futuswarm/node.env',
    '/etc/futuswarm/agent.env',
    '/etc/futuswarm/agent.yaml',
    '/etc/futuswarm/users.yaml',
    '/etc/futuswarm/sshd_config.futuswarm',
    '/etc/ssh/sshd_config.d/00-futuswarm.conf',
    '/etc/systemd/system/futuswarm-agent.service',
    '/usr/local/sbin/futuswarm-install-agent',
    '/etc/sudoers.d/futuswarm',
    '/usr/local/sbin/futuswarm-node-register',
    '/usr/local/sbin/futuswarm-swarm-join',
  ]);
  // The resident agent: a supervised systemd service of the futuswarm account, started after
  // the agent is installed; people's keys run the relay to its socket.
  const unit = files.get('/etc/systemd/system/futuswarm-agent.service')!;
  assert.match(unit, new RegExp(`^ExecStart=${AGENT_COMMAND} supervise$`, 'm'));
  assert.match(unit, /^User=futuswarm$/m);
  assert.match(unit, /^RuntimeDirectory=futuswarm$/m);
  assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  assert.doesNotMatch(unit, /^#/m);
  assert.deepEqual(envOf(files.get('/etc/futuswarm/node.env')!), {
    FUTUSWARM_CLUSTER: 'prod',
    FUTUSWARM_REGION: 'eu-north-1',
    FUTUSWARM_BUCKET: bucket,
    FUTUSWARM_KMS_KEY: 'alias/futuswarm-prod',
    FUTUSWARM_NODE: 'manager-1',
    FUTUSWARM_NODE_KIND: 'manager',
    FUTUSWARM_SWARM_INIT: 'true',
    FUTUSWARM_OVERLAY_POOL: '10.128.0.0/12',
    FUTUSWARM_MANAGERS_PREFIX: 'cluster/swarm/managers/',
    FUTUSWARM_JOIN_KEY: 'cluster/swarm/join-manager.json',
    FUTUSWARM_WORKER_JOIN_KEY: 'cluster/swarm/join-worker.json',
    FUTUSWARM_AGENT_BUNDLE: 'dist/futuswarm-agent-linux-x64.tar.gz',
  });
  assert.deepEqual(envOf(files.get('/etc/futuswarm/agent.env')!), { AWS_REGION: 'eu-north-1' });

  // The agent config and users file are what the agent itself accepts.
  const agent = agentConfigSchema.parse(parse(files.get('/etc/futuswarm/agent.yaml')!));
  assert.equal(agent.cluster, 'prod');
  assert.equal(agent.domain, 'apps.example.com');
  assert.equal(agent.agentCommand, AGENT_COMMAND);
  assert.deepEqual(agent.state, { bucket, kmsKeyId: 'alias/futuswarm-prod', region: 'eu-north-1' });
  assert.deepEqual(agent.admins, ['alice']);
  assert.deepEqual(agent.databases, { shared: false, instanceClass: 'db.t4g.micro', engineVersion: '16', storageGb: 20, backupRetentionDays: 7, tls: 'verify-full', caFile: RDS_CA_FILE });
  assert.deepEqual(agent.caches, { nodeType: 'cache.t4g.micro', engineVersion: '7.1' });
  assert.deepEqual([agent.proxy.httpPort, agent.proxy.trustedProxies], [80, ['10.42.0.0/16']]);
  assert.equal(agent.deploy.appsOnManagers, 'auto');
  assert.deepEqual(agent.daemon, { socket: '/run/futuswarm/agent.sock', relayCommand: '/opt/futuswarm/bin/futuswarm-relay', drainSeconds: 900, dataKeyCacheSeconds: 300, stateCacheSeconds: 2 });
  assert.equal(agent.ldap, undefined);
  assert.equal(agent.role, 'manager');
  assert.deepEqual(agent.nodeChannel, { publicKey: nodeKey, from: ['10.42.0.0/16'], port: 22 });
  assert.deepEqual(usersFileSchema.parse(parse(files.get('/etc/futuswarm/users.yaml')!)).users.alice?.keys, ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3x alice@laptop']);

  const sshd = files.get('/etc/futuswarm/sshd_config.futuswarm')!;
  assert.match(sshd, /^Match User futuswarm$/m);
  assert.match(sshd, new RegExp(`^ +AuthorizedKeysCommand ${AGENT_COMMAND} authorized-keys %u %t %k$`, 'm'));
  assert.doesNotMatch(sshd, /\{\{/);
  // Scripts go in without their comment lines (EC2's 16 KiB), nothing else changed.
  assert.equal(files.get('/usr/local/sbin/futuswarm-swarm-join'), withoutComments(templates.swarmJoin));
  assert.ok(files.get('/usr/local/sbin/futuswarm-swarm-join')!.startsWith('#!/'));

  const runcmd = doc.runcmd.map((c) => (Array.isArray(c) ? c.join(' ') : c));
  assert.ok(runcmd.indexOf('systemctl enable --now futuswarm-agent') > runcmd.indexOf('/usr/local/sbin/futuswarm-install-agent'));
  assert.equal(runcmd[0], 'systemctl enable --now docker');
  assert.ok(runcmd.includes('useradd --system --shell /bin/sh --home-dir /var/lib/futuswarm --create-home --groups docker futuswarm'));
  assert.ok(runcmd.includes('usermod -p * futuswarm'));
  assert.ok(runcmd.indexOf('/usr/local/sbin/futuswarm-install-agent') < runcmd.indexOf('sh -c sshd -t && systemctl reload ssh'));
  // Host keys are published before the node joins the swarm, so they are there before any task.
  assert.deepEqual(runcmd.slice(-4, -2), ['/usr/local/sbin/futuswarm-node-register', '/usr/local/sbin/futuswarm-swarm-join']);
  // Once in the swarm, the manager that makes it deploys the proxy and the registry: one bootstrap serves.
  assert.equal(runcmd.at(-2), `sh -c . /etc/futuswarm/node.env; [ "$FUTUSWARM_SWARM_INIT" = true ] || exit 0; ${AGENT_COMMAND} proxy:ensure || echo "futuswarm: the proxy is not deployed; run: futuswarm admin proxy:deploy" >&2`);
  assert.equal(runcmd.at(-1), `sh -c . /etc/futuswarm/node.env; [ "$FUTUSWARM_SWARM_INIT" = true ] || exit 0; ${AGENT_COMMAND} registry:ensure || echo "futuswarm: the registry is not deployed; run: futuswarm admin registry:deploy" >&2`);
  const register = files.get('/usr/local/sbin/futuswarm-node-register')!;
  assert.match(register, new RegExp(`runuser -u futuswarm -- ${AGENT_COMMAND} node:register --addr "\\$addr"`));
  assert.match(register, /meta-data\/local-ipv4/);
  assert.doesNotMatch(register, /\{\{/);

  // The bundle is unpacked where sshd runs the agent from: <prefix>/bin/futuswarm-agent, root-owned, 755 directories.
  const install = files.get('/usr/local/sbin/futuswarm-install-agent')!;
  assert.equal(AGENT_COMMAND, `${AGENT_PREFIX}/bin/futuswarm-agent`);
  assert.match(install, new RegExp(`^prefix=${AGENT_PREFIX}$`, 'm'));
  assert.match(install, /^chown -R root:root "\$staging"$/m);
  assert.match(install, /^find "\$staging" -type d -exec chmod 0755 \{\} \+$/m);
  // admin agent:upgrade runs it again as root through sudo, and the agent's account may run nothing else.
  assert.equal(files.get('/etc/sudoers.d/futuswarm'), 'futuswarm ALL=(root) NOPASSWD: /usr/local/sbin/futuswarm-install-agent\n');

  // The key cache (LDAP answers) and Node's compile cache: the futuswarm account's, nobody else's.
  const caches = 'install -d -m 0700 -o futuswarm -g futuswarm /var/cache/futuswarm/keys /var/cache/futuswarm/node-compile-cache';
  assert.ok(runcmd.includes(caches));
  assert.ok(runcmd.findIndex((c) => c.startsWith('useradd ')) < runcmd.indexOf(caches));
  assert.ok(runcmd.indexOf(caches) < runcmd.indexOf('/usr/local/sbin/futuswarm-install-agent'));
  assert.equal(agent.keyCache.dir, '/var/cache/futuswarm/keys');
});

test('with LDAP, the agent config carries the ldap section as the agent expects it', () => {
  const withLdap = parseClusterConfig({
    ...config,
    access: { admins: ['alice'], ldap: { url: 'ldaps://ldap.example.com', baseDn: 'ou=people,dc=example,dc=com', adminGroup: 'ops', groupBaseDn: 'ou=groups,dc=example,dc=com' } },
  });
  const text = renderCloudInit(withLdap, { bucket, node: { name: 'manager-1', kind: 'manager', swarmInit: true }, templates, nodePublicKey: nodeKey });
  const files = new Map((parse(text) as CloudConfig).write_files.map((f) => [f.path, f.content]));
  const agent = agentConfigSchema.parse(parse(files.get('/etc/futuswarm/agent.yaml')!));
  assert.equal(agent.ldap?.url, 'ldaps://ldap.example.com');
  assert.equal(agent.ldap?.adminGroup, 'ops');
  assert.deepEqual(usersFileSchema.parse(parse(files.get('/etc/futuswarm/users.yaml')!)), { users: {} });
});

test('nodes.defaultAppLimits of the cluster file reaches the agent config; bad values name their path', () => {
  const limited = parseClusterConfig({ ...config, nodes: { ...config.nodes, defaultAppLimits: { cpus: 1, memoryMb: 512 } } });
  const agent = agentConfigSchema.parse(buildAgentConfig(limited, { bucket, role: 'manager', nodePublicKey: nodeKey }));
  assert.deepEqual(agent.deploy.defaultLimits, { cpus: 1, memoryMb: 512 });
  assert.equal(agentConfigSchema.parse(buildAgentConfig(parseClusterConfig(config), { bucket, role: 'manager', nodePublicKey: nodeKey })).deploy.defaultLimits, undefined);
  assert.throws(() => parseClusterConfig({ ...config, nodes: { defaultAppLimits: { memoryMb: 0.5 } } }), /nodes\.defaultAppLimits\.memoryMb/);
  assert.throws(() => parseClusterConfig({ ...config, nodes: { defaultAppLimits: { disk: 5 } } }), /nodes\.defaultAppLimits/);
});

test('nodes.appsOnManagers of the cluster file reaches the managers\' agent config', () => {
  const never = parseClusterConfig({ ...config, nodes: { ...config.nodes, appsOnManagers: 'never' } });
  const agent = agentConfigSchema.parse(buildAgentConfig(never, { bucket, role: 'manager', nodePublicKey: nodeKey }));
  assert.equal(agent.deploy.appsOnManagers, 'never');
  assert.throws(() => parseClusterConfig({ ...config, nodes: { appsOnManagers: 'sometimes' } }), /nodes\.appsOnManagers: must be one of "auto", "always", "never"/);
});

test('other managers join instead of creating the swarm', () => {
  const { files } = render('manager-2', 'manager', false);
  assert.equal(envOf(files.get('/etc/futuswarm/node.env')!).FUTUSWARM_SWARM_INIT, 'false');
  assert.equal(envOf(files.get('/etc/futuswarm/node.env')!).FUTUSWARM_NODE_KIND, 'manager');
});

test('a worker: Docker, the agent for managers only (node key), its host keys published, then swarm join', () => {
  const { text, doc, files } = render('worker-1', 'worker', false);
  const manager = render('manager-1', 'manager', true);
  assert.deepEqual(doc.packages, ['docker.io', 'awscli', 'jq', 'curl', 'openssh-server']);
  assert.deepEqual([...files.keys()], [
    '/etc/futuswarm/node.env',
    '/etc/futuswarm/agent.env',
    '/etc/futuswarm/agent.yaml',
    '/etc/futuswarm/sshd_config.futuswarm',
    '/usr/local/sbin/futuswarm-install-agent',
    '/etc/sudoers.d/futuswarm',
    '/usr/local/sbin/futuswarm-node-register',
    '/usr/local/sbin/futuswarm-swarm-join',
  ]);
  assert.equal(envOf(files.get('/etc/futuswarm/node.env')!).FUTUSWARM_NODE_KIND, 'worker');
  assert.equal(envOf(files.get('/etc/futuswarm/node.env')!).FUTUSWARM_AGENT_BUNDLE, 'dist/futuswarm-agent-linux-x64.tar.gz');

  // A worker's agent answers only the node key: role worker, and the same key and network as the managers'.
  const agent = agentConfigSchema.parse(parse(files.get('/etc/futuswarm/agent.yaml')!));
  const managerAgent = agentConfigSchema.parse(parse(manager.files.get('/etc/futuswarm/agent.yaml')!));
  assert.equal(agent.role, 'worker');
  assert.deepEqual(agent.nodeChannel, managerAgent.nodeChannel);
  assert.equal(agent.nodeChannel?.publicKey, nodeKey);
  assert.deepEqual([agent.cluster, agent.agentCommand, agent.state], ['prod', AGENT_COMMAND, managerAgent.state]);
  assert.deepEqual([agent.admins, agent.ldap], [[], undefined]);

  // The same installer, sshd block and registration as on managers.
  for (const path of ['/etc/futuswarm/sshd_config.futuswarm', '/usr/local/sbin/futuswarm-install-agent', '/etc/sudoers.d/futuswarm', '/usr/local/sbin/futuswarm-node-register', '/usr/local/sbin/futuswarm-swarm-join']) {
    assert.equal(files.get(path), manager.files.get(path), path);
  }
  assert.match(files.get('/etc/futuswarm/sshd_config.futuswarm')!, new RegExp(`^ +AuthorizedKeysCommand ${AGENT_COMMAND} authorized-keys %u %t %k$`, 'm'));

  const runcmd = doc.runcmd.map((c) => (Array.isArray(c) ? c.join(' ') : c));
  assert.deepEqual(runcmd, [
    'systemctl enable --now docker',
    'useradd --system --shell /bin/sh --home-dir /var/lib/futuswarm --create-home --groups docker futuswarm',
    'usermod -p * futuswarm',
    'chgrp futuswarm /etc/futuswarm/agent.yaml /etc/futuswarm/agent.env',
    'chmod 0640 /etc/futuswarm/agent.yaml /etc/futuswarm/agent.env',
    'install -d -m 0755 -o root -g root /var/cache/futuswarm',
    'install -d -m 0700 -o futuswarm -g futuswarm /var/cache/futuswarm/node-compile-cache',
    '/usr/local/sbin/futuswarm-install-agent',
    'sh -c grep -q "^Match User futuswarm" /etc/ssh/sshd_config || cat /etc/futuswarm/sshd_config.futuswarm >> /etc/ssh/sshd_config',
    'sh -c sshd -t && systemctl reload ssh',
    '/usr/local/sbin/futuswarm-node-register',
    '/usr/local/sbin/futuswarm-swarm-join',
  ]);
  // People never log in to a worker: no users, no admins' names, no database settings.
  assert.doesNotMatch(text, /alice@laptop|users\.yaml|admins|databases|rds-ca/);
});

test('the node key goes into user data rendered before it existed, quoted, exactly once', () => {
  const pending = renderCloudInit(config, { bucket, node: { name: 'worker-1', kind: 'worker', swarmInit: false }, templates, nodePublicKey: NODE_KEY_PENDING });
  assert.equal(pending.split(NODE_KEY_PENDING).length, 2);
  const text = withNodeKey(pending, nodeKey, 'worker-1');
  assert.ok(text.includes(`publicKey: ${JSON.stringify(nodeKey)}`));
  assert.ok(!text.includes(NODE_KEY_PENDING));
  const internal = (e: unknown) => e instanceof FutuswarmError && e.code === 'internal';
  // Not a key, no place for it, or user data that was not rendered for a pending key.
  assert.throws(() => withNodeKey(pending, 'ssh-ed25519 not-base64', 'worker-1'), internal);
  assert.throws(() => withNodeKey(text, nodeKey, 'worker-1'), internal);
  assert.throws(() => withNodeKey(`${pending}# ${NODE_KEY_PENDING}\n`, nodeKey, 'worker-1'), internal);
});

test('the join script: one swarm per cluster, every manager address tried, tokens never on a command line', () => {
  // The script as written, with docker, aws and curl replaced by recorders, a directory standing
  // in for the bucket and one for each node's engine state (jq is real: the local cluster installs it).
  const work = mkdtempSync(join(tmpdir(), 'fs-join-'));
  const bin = join(work, 'bin');
  const bucket = join(work, 'bucket');
  const log = join(work, 'calls.log');
  execFileSync('mkdir', ['-p', bin, bucket]);
  const fake = (name: string, body: string) => writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
  // $NODE_STATE holds "active" once this node's engine is in a swarm.
  fake('docker', `case "$1 $2" in
  "info "*) if [ -f "$NODE_STATE" ]; then echo ' Swarm: active'; else echo ' Swarm: inactive'; fi ;;
  "swarm init") echo active > "$NODE_STATE" ;;
  "swarm join-token") echo "SWMTKN-$4" ;;
esac`);
  // s3 cp (both ways) and s3 ls of a prefix, newest last-modified first in the listing's own order.
  fake('aws', `case "$2" in
  cp) src=$3; dst=$4
      case "$src" in
        s3://*) key=\${src#s3://*/}; [ -f "${bucket}/$key" ] || exit 1; cp "${bucket}/$key" "$dst"; echo "mode $(stat -c %a "$dst")" >> ${log} ;;
        *) key=\${dst#s3://*/}; mkdir -p "$(dirname "${bucket}/$key")"; cp "$src" "${bucket}/$key"; n=$(ls ${bucket} -R | wc -l); touch -d "2026-01-01 00:00:$((n % 60))" "${bucket}/$key" ;;
      esac ;;
  ls) prefix=\${3#s3://*/}; [ -d "${bucket}/$prefix" ] || exit 1
      for f in $(ls -tr "${bucket}/$prefix"); do echo "$(date -r "${bucket}/$prefix/$f" '+%Y-%m-%d %H:%M:%S')          0 $f"; done ;;
esac`);
  // Docker's API: a join succeeds through a manager listed in $REACHABLE.
  fake('curl', `for a; do case "$a" in @*) body=\${a#@} ;; esac; done
echo "body-mode $(stat -c %a "$body")" >> ${log}
jq -c . "$body" >> ${log}
remote=$(jq -r '.RemoteAddrs[0]' "$body")
case " $REACHABLE " in
  *" $remote "*) echo active > "$NODE_STATE"; printf '\\n200' ;;
  *) printf '{"message":"timeout joining %s"}\\n503' "$remote" ;;
esac`);
  const run = (node: string, env: Record<string, string>, extra: Record<string, string> = {}) => {
    const envFile = join(work, `${node}.env`);
    writeFileSync(envFile, shellEnvFile({
      FUTUSWARM_REGION: 'eu-north-1', FUTUSWARM_BUCKET: 'b', FUTUSWARM_KMS_KEY: 'alias/futuswarm-prod', FUTUSWARM_OVERLAY_POOL: '10.128.0.0/12',
      FUTUSWARM_MANAGERS_PREFIX: SWARM_MANAGERS_PREFIX, FUTUSWARM_JOIN_RETRY_SECONDS: '0', ...env,
    }));
    execFileSync('mkdir', ['-p', join(work, node)]);
    const script = join(work, 'swarm-join.sh');
    writeFileSync(script, templates.swarmJoin);
    const r = spawnSync('sh', [script], {
      env: { PATH: `${bin}:${process.env.PATH}`, FUTUSWARM_NODE_ENV: envFile, FUTUSWARM_RUN_DIR: join(work, node), NODE_STATE: join(work, node, 'engine'), REACHABLE: '', ...extra },
      encoding: 'utf8',
    });
    return { code: r.status, err: r.stderr };
  };
  const manager = { FUTUSWARM_NODE_KIND: 'manager', FUTUSWARM_JOIN_KEY: SWARM_JOIN_OBJECT_KEYS.manager, FUTUSWARM_WORKER_JOIN_KEY: SWARM_JOIN_OBJECT_KEYS.worker };
  const stored = (key: string) => JSON.parse(readFileSync(join(bucket, key), 'utf8')) as unknown;

  // The first manager finds no swarm anywhere: it makes one and stores tokens and its address.
  assert.deepEqual(run('m1', { ...manager, FUTUSWARM_SWARM_INIT: 'true', FUTUSWARM_ADVERTISE_ADDR: '10.42.0.5' }), { code: 0, err: 'futuswarm-swarm-join: created the swarm\n' });
  assert.deepEqual(stored(SWARM_JOIN_OBJECT_KEYS.manager), { token: 'SWMTKN-manager' });
  assert.deepEqual(stored(SWARM_JOIN_OBJECT_KEYS.worker), { token: 'SWMTKN-worker' });
  assert.match(readFileSync(log, 'utf8'), /^docker swarm init --advertise-addr 10\.42\.0\.5 --default-addr-pool 10\.128\.0\.0\/12 --default-addr-pool-mask-length 24$/m);
  assert.match(readFileSync(log, 'utf8'), /^aws s3 cp \S+ s3:\/\/b\/cluster\/swarm\/managers\/10\.42\.0\.5:2377 --sse aws:kms --sse-kms-key-id alias\/futuswarm-prod --only-show-errors$/m);

  // A second manager joins through the first and adds its own address.
  assert.equal(run('m2', { ...manager, FUTUSWARM_SWARM_INIT: 'false', FUTUSWARM_ADVERTISE_ADDR: '10.42.0.6' }, { REACHABLE: '10.42.0.5:2377' }).code, 0);
  // The first manager is gone (its address stays listed): a worker tries the newest first, then the next.
  writeFileSync(log, '');
  const worker = run('w1', { FUTUSWARM_NODE_KIND: 'worker', FUTUSWARM_SWARM_INIT: 'false', FUTUSWARM_JOIN_KEY: SWARM_JOIN_OBJECT_KEYS.worker, FUTUSWARM_ADVERTISE_ADDR: '10.42.0.9' }, { REACHABLE: '10.42.0.6:2377' });
  assert.equal(worker.code, 0, worker.err);
  const requests = readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { RemoteAddrs: string[]; JoinToken: string; AdvertiseAddr: string });
  assert.deepEqual(requests.map((r) => [r.RemoteAddrs, r.AdvertiseAddr, r.JoinToken]), [[['10.42.0.6:2377'], '10.42.0.9', 'SWMTKN-worker']]);

  // A replaced first manager, with no manager answering: it never makes a second swarm; it
  // keeps trying and gives up only after FUTUSWARM_JOIN_TIMEOUT, saying what to do.
  writeFileSync(log, '');
  const lonely = run('m1b', { ...manager, FUTUSWARM_SWARM_INIT: 'true', FUTUSWARM_ADVERTISE_ADDR: '10.42.0.7', FUTUSWARM_JOIN_TIMEOUT: '0' });
  assert.equal(lonely.code, 1);
  assert.match(lonely.err, /could not join through 10\.42\.0\.6:2377: \{"message":"timeout joining 10\.42\.0\.6:2377"\}/);
  assert.match(lonely.err, /could not join the swarm within 0 s; run \/usr\/local\/sbin\/futuswarm-swarm-join again once a manager answers/);
  assert.doesNotMatch(readFileSync(log, 'utf8'), /swarm init/);

  // Tokens travel in files only: never on a command line, and every file is 0600 from the start.
  const calls = readFileSync(log, 'utf8').split('\n').filter((l) => /^(docker|aws|curl) /.test(l));
  assert.ok(calls.length > 0);
  for (const c of calls) assert.doesNotMatch(c, /SWMTKN/, c);
  const modes = [...readFileSync(log, 'utf8').matchAll(/^(?:body-)?mode (\d+)$/gm)].map((m) => m[1]);
  assert.ok(modes.length >= 2);
  assert.deepEqual([...new Set(modes)], ['600']);
  // The node's files are gone afterwards.
  assert.deepEqual(readdirSync(join(work, 'w1')).filter((f) => f !== 'engine'), []);
});

test('renderTemplate: indented multi-line values, one-line values inline, missing values are errors', () => {
  assert.equal(renderTemplate('a:\n  b: |\n    {{text}}\nc: {{one}}\n', { text: 'x\ny\n', one: '1' }), 'a:\n  b: |\n    x\n    y\nc: 1\n');
  assert.throws(() => renderTemplate('{{a}} {{b}}', { a: 'x' }), (e: unknown) => e instanceof FutuswarmError && /no value for \{\{b\}\}/.test(e.message));
  assert.throws(() => renderTemplate('x: {{a}}', { a: 'two\nlines' }), FutuswarmError);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellEnvFile({ A: 'plain', B: 'with space' }), "A=plain\nB='with space'");
});

test('user data above 16 KiB is refused before EC2 does', () => {
  const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`user${i}`, { keys: [`ssh-ed25519 ${'A'.repeat(80)} u${i}`] }]));
  const big = parseClusterConfig({ ...config, access: { admins: ['user1'], users: many } });
  assert.throws(
    () => renderCloudInit(big, { bucket, node: { name: 'manager-1', kind: 'manager', swarmInit: true }, templates, nodePublicKey: NODE_KEY_PENDING }),
    (e: unknown) => e instanceof FutuswarmError && e.code === 'config',
  );
});

const cloudInit = (() => {
  try {
    execFileSync('cloud-init', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('cloud-init accepts the rendered configs (cloud-init schema)', () => {
  assert.ok(cloudInit, 'cloud-init is not installed: apt-get install cloud-init (npm run cluster:up installs it)');
  const tmp = mkdtempSync(join(tmpdir(), 'futuswarm-cloud-init-'));
  for (const [name, kind, init] of [['manager-1', 'manager', true], ['worker-1', 'worker', false]] as const) {
    const file = join(tmp, `${name}.yaml`);
    writeFileSync(file, render(name, kind, init).text);
    const out = execFileSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out, /Valid cloud-config/);
  }
});
