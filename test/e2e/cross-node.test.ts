/**
 * app:exec into a task on another node, through the node channel, on a real second swarm node:
 * a worker with its own dockerd, sshd and agent in a network namespace (scripts/local-node.sh).
 * Also what the channel must not allow: people's keys on a worker, the node key from outside
 * the managers' network, containers that are not an app's tasks, unknown host keys.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCAL, REPO, localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { runHoldingInput } from '../helpers/terminal.ts';
import { localNode } from '../helpers/rig.ts';
import { agentState } from '../helpers/agent-state.ts';
import { removeApps } from '../helpers/cleanup.ts';

const APP = 'xn-web';
const NODE_ADDR = '10.231.0.2';
const NODE_NAME = 'futuswarm-node1';
const NODE_SOCK = 'unix:///run/fsnode1/docker.sock';
const DOCKER_ENV = { ...process.env, DOCKER_API_VERSION: '1.41' };
const nodeDocker = (args: string[]) => execFileSync('docker', ['-H', NODE_SOCK, ...args], { encoding: 'utf8', env: DOCKER_ENV }).trim();

interface Task { id: string; slot: number; node: string; state: string }

/** ssh as the node channel would, with a given key, to a given sshd. */
function sshWith(identityFile: string, host: string, input: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    'ssh',
    ['-F', '/dev/null', '-T', '-i', identityFile, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-p', String(LOCAL.port), '-l', 'futuswarm', host, 'sh', '-c', 'id'],
    { input, encoding: 'utf8', timeout: 20_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}


describe('app:exec on another node (node channel)', () => {
  let cli: CliSandbox;
  let remote: Task;
  let local: Task;
  let keyDir: string;
  /** The app's image as the nodes have it, pulled from the cluster registry. */
  let image: string;

  before(async () => {
    cli = await localSandbox();
    await removeApps(cli, APP);
    localNode('up', 'worker', 1);
    // With a worker that takes tasks, apps keep off the manager (nodes.appsOnManagers: auto), and
    // this test needs a task on each node: the first starts while the worker is paused (so the
    // deploy may use the manager), the second, scaled by Swarm alone, goes where fewer run.
    // Nodes get images only from the cluster registry.
    execFileSync('docker', ['node', 'update', '--availability', 'pause', NODE_NAME], { stdio: 'ignore' });
    try {
      ({ image } = await cli.json<{ image: string }>(['app:deploy', '-n', APP, '-i', 'localhost/hello:1', '--push', '--port', '8000', '--replicas', '1']));
    } finally {
      execFileSync('docker', ['node', 'update', '--availability', 'active', NODE_NAME], { stdio: 'ignore' });
    }
    execFileSync('docker', ['service', 'scale', '--detach=false', `${APP}=2`], { stdio: 'ignore' });
    const { tasks } = await cli.json<{ tasks: Task[] }>(['app:inspect', '-n', APP]);
    const running = tasks.filter((t) => t.state === 'running');
    remote = running.find((t) => t.node === NODE_NAME)!;
    local = running.find((t) => t.node !== NODE_NAME)!;
    assert.ok(remote && local, `expected one task on each node: ${JSON.stringify(tasks)}`);
    keyDir = mkdtempSync(join(tmpdir(), 'futuswarm-node-key-'));
  });

  after(async () => {
    await removeApps(cli, APP);
    localNode('down', 'worker', 1);
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('admin node:list shows both nodes with role, state, address and the tasks each runs; only admins may list', async () => {
    interface NodeView { name: string; role: string; availability: string; state: string; managerStatus: string | null; address: string | null; engineVersion: string | null; tasks: number; self: boolean }
    const { nodes } = await cli.json<{ nodes: NodeView[] }>(['admin', 'node:list']);
    const worker = nodes.find((n) => n.name === NODE_NAME);
    const manager = nodes.find((n) => n.self);
    assert.ok(worker && manager, JSON.stringify(nodes));
    assert.equal(nodes[0], manager, 'managers first');
    assert.deepEqual([manager.role, manager.managerStatus, manager.state, manager.availability], ['manager', 'leader', 'ready', 'active']);
    assert.deepEqual([worker.role, worker.managerStatus, worker.state, worker.address], ['worker', null, 'ready', NODE_ADDR]);
    assert.match(worker.engineVersion ?? '', /^\d+\.\d+/);
    assert.ok(worker.tasks >= 1, 'the worker runs one of the app\'s tasks');
    assert.ok(manager.tasks >= 2, 'the manager runs the other, and the proxy and registry');
    const table = await cli.run(['admin', 'node:list']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME +ROLE +AVAILABILITY +STATE +MANAGER +ADDRESS +ENGINE +TASKS +LABELS$/m);
    assert.match(table.stdout, new RegExp(`^${NODE_NAME} +worker +active +ready +- +${NODE_ADDR.replaceAll('.', '\\.')} `, 'm'));
    const bob = await localSandbox({ identityFile: join(process.env.XDG_CONFIG_HOME ?? join(process.env.HOME ?? '', '.config'), 'futuswarm', 'ldap-users', 'bob', 'id_ed25519') });
    const refused = await bob.run(['admin', 'node:list']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /forbidden: admin\.node\.list is for admins and bob is not one/);
  });

  it('runs the command in the container on the other node, with its output and exit code', async () => {
    const r = await cli.run(['app:exec', '-n', APP, '--task', String(remote.slot), '--', 'hostname']);
    assert.equal(r.code, 0, r.stderr);
    // A container's host name is its short ID: this one runs on the worker's engine.
    const onNode = nodeDocker(['ps', '-q', '--filter', `label=com.docker.swarm.task.id`, '--filter', `name=${APP}.${remote.slot}.`]);
    assert.equal(r.stdout.trim(), onNode);

    const piped = await cli.run(['app:exec', '-n', APP, '--task', remote.id, '-i', '--', 'sh', '-c', 'cat; echo to-stderr >&2; exit 5'], {
      input: 'through two agents\n',
    });
    assert.equal(piped.code, 5, piped.stderr);
    assert.equal(piped.stdout, 'through two agents\n');
    assert.match(piped.stderr, /to-stderr/);

    // The manager's own task is still reached directly; the default prefers it.
    const here = await cli.run(['app:exec', '-n', APP, '--', 'hostname']);
    assert.equal(here.code, 0, here.stderr);
    assert.notEqual(here.stdout.trim(), onNode);
  });

  it('-it gives the command a terminal through both agents, and leaves the local terminal as it was', async () => {
    // util-linux `script` runs the CLI on a pseudo-terminal, as a person at a terminal would.
    // Its input stays open until it exits: at end of input `script` types a NUL into the
    // terminal, which would reach the command and be echoed as ^@ at a random point.
    const command = [process.execPath, join(REPO, 'bin/futuswarm.cjs'), 'app:exec', '-n', APP, '--task', String(remote.slot), '-it', '--', 'sh', '-c', 'tty; echo done']
      .map((a) => `'${a}'`)
      .join(' ');
    const r = await runHoldingInput('script', ['-qec', `stty -g; ${command}; echo "exit=$?"; stty -g`, '/dev/null'], cli.env, 60_000);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split(/\r?\n/);
    assert.match(r.stdout, /^\/dev\/pts\/\d+\r\ndone\r\nexit=0\r\n/m, `the command had a terminal: ${JSON.stringify(r.stdout)}`);
    assert.doesNotMatch(r.stdout, /\r\r\n/, 'line endings are translated once, by the container\'s terminal');
    const settings = lines.filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l.trim()));
    assert.equal(settings.length, 2, r.stdout);
    assert.equal(settings[0], settings[1], 'raw mode and -opost are undone');
  });

  it('later execs to the node share one SSH connection, opened without the key again', async () => {
    const master = () => {
      const r = spawnSync('runuser', ['-u', 'futuswarm', '--', 'sh', '-c', 'for s in /tmp/futuswarm-ssh-$(id -u)/*; do [ -S "$s" ] && ssh -O check -o ControlPath="$s" -F /dev/null x 2>&1; done'], { encoding: 'utf8' });
      return /Master running \(pid=(\d+)\)/.exec(r.stdout)?.[1];
    };
    const first = await cli.run(['app:exec', '-n', APP, '--task', String(remote.slot), '--', 'true']);
    assert.equal(first.code, 0, first.stderr);
    const pid = master();
    assert.ok(pid, 'a shared connection to the node is open after an exec');
    const second = await cli.run(['app:exec', '-n', APP, '--task', String(remote.slot), '--', 'sh', '-c', 'exit 4']);
    assert.equal(second.code, 4, second.stderr);
    assert.equal(master(), pid, 'the second exec went over the same connection');
  });

  it('is audited on the manager like any exec', async () => {
    const audit = await cli.json<{ records: { op: string; app?: string; result: string; args?: { task?: string } }[] }>(['admin', 'audit', '-n', APP]);
    assert.ok(audit.records.some((a) => a.op === 'app.exec' && a.result === 'ok' && a.args?.task === String(remote.slot)), JSON.stringify(audit.records.slice(0, 5)));
  });

  it('lets the node key in only for node-serve, only from the managers, and on a worker nobody else', async () => {
    const { state } = agentState();
    const key = await state.clusterSecrets.readNodeKey();
    const nodeKeyFile = join(keyDir, 'node_key');
    writeFileSync(nodeKeyFile, key.privateKey, { mode: 0o600 });

    // A shell command asked for is ignored: the forced command answers, and only its protocol.
    const shell = sshWith(nodeKeyFile, NODE_ADDR, 'id\n');
    assert.doesNotMatch(shell.stdout, /uid=/);
    assert.match(shell.stdout, /"code":"protocol"/);

    // A container of the node that is not an app's task is out of reach, even with its full ID.
    const plain = nodeDocker(['run', '-d', '--rm', '--label', `futuswarm.app=${APP}`, image, 'sleep', '60']);
    try {
      const request = { v: 1, op: 'node.exec', app: APP, containerId: plain, name: 'x', command: ['id'], interactive: false, tty: false };
      const refused = sshWith(nodeKeyFile, NODE_ADDR, `${JSON.stringify(request)}\n`);
      assert.match(refused.stdout, /"code":"not_found"/);
      assert.doesNotMatch(refused.stdout, /uid=/);
    } finally {
      nodeDocker(['rm', '-f', plain]);
    }

    // node.remove takes only a finished job container of the named app, nothing else.
    const job = nodeDocker(['run', '-d', '--label', `futuswarm.job.app=${APP}`, '--label', 'com.docker.swarm.task.id=t1', image, 'true']);
    const running = nodeDocker(['run', '-d', '--label', `futuswarm.job.app=${APP}`, '--label', 'com.docker.swarm.task.id=t2', image, 'sleep', '60']);
    const other = nodeDocker(['run', '-d', '--label', 'futuswarm.job.app=someone-else', '--label', 'com.docker.swarm.task.id=t3', image, 'true']);
    try {
      nodeDocker(['wait', job]);
      nodeDocker(['wait', other]);
      const remove = (containerId: string) => sshWith(nodeKeyFile, NODE_ADDR, `${JSON.stringify({ v: 1, op: 'node.remove', app: APP, containerId })}\n`).stdout;
      assert.match(remove(running), /"code":"not_found"/, 'a running container stays');
      assert.match(remove(other), /"code":"not_found"/, "another app's job stays");
      assert.match(remove(job), /"type":"result","data":\{"removed":true\}/);
      assert.equal(nodeDocker(['ps', '-aq', '--filter', `id=${job}`]), '', 'the finished job container is gone');
    } finally {
      for (const c of [job, running, other]) spawnSync('docker', ['-H', NODE_SOCK, 'rm', '-f', c], { env: DOCKER_ENV, stdio: 'ignore' });
    }

    // The node key from outside the managers' network (the manager's own sshd on loopback): refused.
    const outside = sshWith(nodeKeyFile, '127.0.0.1', '{}\n');
    assert.notEqual(outside.status, 0);
    assert.match(outside.stderr, /Permission denied/);

    // A person's key, which the manager accepts, is refused by the worker.
    const person = sshWith(join(LOCAL.dir, 'id_ed25519'), NODE_ADDR, '{}\n');
    assert.notEqual(person.status, 0);
    assert.match(person.stderr, /Permission denied/);
  });

  it('refuses a node whose host key is unknown or different, naming the fix', async () => {
    const { state, store } = agentState();
    const registered = await state.nodes.get(NODE_ADDR);
    assert.ok(registered);
    try {
      await store.delete(`nodes/${NODE_ADDR}`);
      const unknown = await cli.run(['app:exec', '-n', APP, '--task', String(remote.slot), '--', 'true']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, new RegExp(`node ${NODE_NAME} \\(${NODE_ADDR.replaceAll('.', '\\.')}\\) has not published its SSH host key`));
      assert.match(unknown.stderr, /futuswarm-agent node:register --addr 10\.231\.0\.2/);

      // Someone else's host key under the node's address: ssh refuses to talk to it.
      const impostor = execFileSync('sh', ['-c', `ssh-keygen -q -t ed25519 -N '' -f ${keyDir}/impostor && cat ${keyDir}/impostor.pub`], { encoding: 'utf8' });
      await state.nodes.register({ addr: NODE_ADDR, hostname: NODE_NAME, hostKeys: [impostor.split(' ').slice(0, 2).join(' ')] });
      const wrong = await cli.run(['app:exec', '-n', APP, '--task', String(remote.slot), '--', 'true']);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /could not reach the agent on node futuswarm-node1 \(10\.231\.0\.2\): .*(host key|Host key verification failed)/i);
    } finally {
      await state.nodes.register({ addr: registered.addr, hostname: registered.hostname, hostKeys: registered.hostKeys });
    }
    const back = await cli.run(['app:exec', '-n', APP, '--task', String(remote.slot), '--', 'true']);
    assert.equal(back.code, 0, back.stderr);
  });
});
