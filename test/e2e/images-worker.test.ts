/**
 * Images on a second node (scripts/local-node.sh): a task placed on the worker runs an image
 * the worker never had, pulled from its own instance of the cluster registry; and an external
 * private registry with htpasswd auth, added with `admin registry:add`, serves an image to the
 * worker with the login every deploy passes to Swarm.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { localNode } from '../helpers/rig.ts';
import { localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { buildUniqueImage, registryRunsOn, removeImagesNamed, removeServiceIfExists, until } from '../helpers/docker.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const BUILT = `wk-built-${run}`;
const EXTERNAL = `wk-ext-${run}`;
const EXT_SERVICE = `fs-test-ext-registry`;
const EXT_HOST = '127.0.0.1:5002';
const EXT_USER = 'tester';
const EXT_PASSWORD = `ext-${run}-password`;
const EXT_DIR = '/var/lib/futuswarm-test/ext-registry';
const NODE_NAME = 'futuswarm-node1';
const NODE_SOCK = 'unix:///run/fsnode1/docker.sock';

const docker = (args: string[], input?: string, env?: NodeJS.ProcessEnv) =>
  execFileSync('docker', args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}), env: env ?? process.env }).trim();
const nodeDocker = (args: string[]) => docker(['-H', NODE_SOCK, ...args]);

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

interface Task { node: string; state: string; desiredState?: string }

describe('images on a worker node', () => {
  let admin: CliSandbox;
  let dockerConfig: string;

  before(async () => {
    admin = await localSandbox();
    localNode('up', 'worker', 1);
    // The cluster registry is global: an instance starts on the new node.
    await until('the registry runs on the worker', () => registryRunsOn(NODE_NAME));
    // An external registry: Distribution with htpasswd auth on every node's 127.0.0.1:5002,
    // over one directory the namespaced node shares with this machine.
    rmSync(EXT_DIR, { recursive: true, force: true });
    mkdirSync(join(EXT_DIR, 'data'), { recursive: true });
    writeFileSync(join(EXT_DIR, 'htpasswd'), `${EXT_USER}:${bcrypt.hashSync(EXT_PASSWORD, 5)}\n`);
    writeFileSync(join(EXT_DIR, 'config.yml'), JSON.stringify({
      version: 0.1,
      storage: { filesystem: { rootdirectory: '/ext/data' } },
      http: { addr: EXT_HOST, secret: `s-${run}` },
      auth: { htpasswd: { realm: 'test', path: '/ext/htpasswd' } },
    }));
    removeServiceIfExists(EXT_SERVICE);
    docker(['service', 'create', '-d', '--name', EXT_SERVICE, '--mode', 'global', '--network', 'host', '--env', 'OTEL_TRACES_EXPORTER=none',
      '--mount', `type=bind,source=${EXT_DIR},target=/ext`, 'localhost/registry:v3.1.2', 'serve', '/ext/config.yml']);
    await until('the external registry answers', () => {
      try {
        return execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${EXT_HOST}/v2/`], { encoding: 'utf8' }) === '401';
      } catch {
        return false;
      }
    });
    dockerConfig = mkdtempSync(join(tmpdir(), 'futuswarm-docker-config-'));
  });

  after(async () => {
    await removeApps(admin, BUILT, EXTERNAL);
    await admin.run(['admin', 'registry:remove', EXT_HOST]);
    removeServiceIfExists(EXT_SERVICE);
    localNode('down', 'worker', 1);
    removeImagesNamed(run);
    rmSync(EXT_DIR, { recursive: true, force: true });
    rmSync(dockerConfig, { recursive: true, force: true });
  });

  it('a task on the worker runs a pushed image that the worker never had', async () => {
    buildUniqueImage(`futuswarm-test/${BUILT}:1`, `built-${run}`);
    const deployed = await admin.json<{ image: string }>(['app:deploy', '-n', BUILT, '-i', `futuswarm-test/${BUILT}:1`, '--push', '--port', '8000', '--replicas', '2']);
    const { tasks } = await admin.json<{ tasks: Task[] }>(['app:inspect', '-n', BUILT]);
    assert.ok(tasks.some((t) => t.node === NODE_NAME && t.state === 'running'), `a task runs on the worker: ${JSON.stringify(tasks)}`);
    assert.equal(nodeDocker(['image', 'inspect', '--format', '{{index .RepoDigests 0}}', deployed.image]), deployed.image, 'the worker pulled it by digest');
    // Both tasks may run there (apps keep off the manager while a worker takes tasks): ask one.
    const container = nodeDocker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${BUILT}`]).split('\n')[0] ?? '';
    assert.equal(nodeDocker(['exec', container, 'cat', '/www/marker.txt']), `built-${run}`);
  });

  it('admin registry:add says a wrong password at once, and stores nothing', async () => {
    const wrong = await admin.run(['admin', 'registry:add', EXT_HOST, '-u', EXT_USER, '--password-stdin'], { input: 'not-the-password\n' });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, new RegExp(`${EXT_HOST} refused the login of ${EXT_USER}: wrong username or password`));
    const list = await admin.json<{ registries: { host: string }[] }>(['admin', 'registry:list']);
    assert.ok(!list.registries.some((r) => r.host === EXT_HOST));
    const bad = await admin.run(['admin', 'registry:add', 'not a host', '-u', EXT_USER, '--password-stdin'], { input: 'x\n' });
    assert.equal(bad.code, 2, bad.stderr);
    const unknown = await admin.run(['admin', 'registry:remove', 'no-such-registry.example.com']);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, /no login is stored for the registry no-such-registry.example.com/);
  });

  it('an image from an external private registry runs on the worker with the stored login', async () => {
    const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
    docker(['login', EXT_HOST, '-u', EXT_USER, '--password-stdin'], EXT_PASSWORD, env);
    const ref = `${EXT_HOST}/ext/${EXTERNAL}:1`;
    buildUniqueImage(ref, `external-${run}`);
    docker(['push', '-q', ref], undefined, env);
    docker(['image', 'rm', ref]);

    // Without a login Swarm cannot pull it: the deploy fails and leaves nothing behind.
    const without = await admin.run(['app:deploy', '-n', EXTERNAL, '-i', ref, '--port', '8000', '--timeout', '30s']);
    assert.equal(without.code, 1, without.stderr);

    const added = await admin.run(['admin', 'registry:add', EXT_HOST, '-u', EXT_USER, '--password-stdin'], { input: `${EXT_PASSWORD}\n` });
    ok(added, 'registry:add');
    const list = await admin.run(['admin', 'registry:list', '--json']);
    assert.match(list.stdout, new RegExp(`"host": "${EXT_HOST.replace(/\./g, '\\.')}"`));
    assert.doesNotMatch(list.stdout + added.stdout + added.stderr, new RegExp(EXT_PASSWORD), 'the password is never printed');

    ok(await admin.run(['app:deploy', '-n', EXTERNAL, '-i', ref, '--port', '8000', '--replicas', '2']), 'deploy from the external registry');
    const { tasks } = await admin.json<{ tasks: Task[] }>(['app:inspect', '-n', EXTERNAL]);
    assert.ok(tasks.some((t) => t.node === NODE_NAME && t.state === 'running'), `a task runs on the worker: ${JSON.stringify(tasks)}`);
    const container = nodeDocker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${EXTERNAL}`]).split('\n')[0] ?? '';
    assert.equal(nodeDocker(['exec', container, 'cat', '/www/marker.txt']), `external-${run}`);
  });
});
