/**
 * The admin node commands on a swarm with two workers (scripts/local-cluster.sh up --workers 2:
 * futuswarm-node1 and futuswarm-node2 beside the manager, this machine): a drain that returns
 * only once a worker's tasks run, healthy, elsewhere; activate; labels; a removal refused; an
 * unknown name; and bob, who is no admin.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCAL, localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { awsTestEnv } from '../helpers/moto.ts';
import { rigUp } from '../helpers/rig.ts';
import { buildUniqueImage, registryRunsOn, removeImagesNamed, until } from '../helpers/docker.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `nd-web-${run}`;
const IMAGE = `futuswarm-test/${APP}:1`;
const NODE1 = 'futuswarm-node1';
const NODE2 = 'futuswarm-node2';
const MANAGER = hostname();
const BOB_KEY = join(process.env.XDG_CONFIG_HOME || join(process.env.HOME ?? '', '.config'), 'futuswarm', 'ldap-users', 'bob', 'id_ed25519');

interface NodeView { id: string; name: string; availability: string; state: string; labels: Record<string, string> }
interface Task { node?: string; state: string; desiredState: string }

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

describe('admin node:* on a swarm with two workers', () => {
  let admin: CliSandbox;
  let bob: CliSandbox;
  const node = async (name: string): Promise<NodeView> => {
    const { nodes } = await admin.json<{ nodes: NodeView[] }>(['admin', 'node:list']);
    const found = nodes.find((n) => n.name === name);
    assert.ok(found, `${name} in ${JSON.stringify(nodes.map((n) => n.name))}`);
    return found;
  };
  const runningTasks = async (): Promise<Task[]> =>
    (await admin.json<{ tasks: Task[] }>(['app:inspect', '-n', APP])).tasks.filter((t) => t.state === 'running' && t.desiredState === 'running');

  before(async () => {
    rigUp({ workers: 2 });
    [admin, bob] = await Promise.all([localSandbox(), localSandbox({ identityFile: BOB_KEY })]);
    // Images reach the workers only through the cluster registry, a global service.
    await until('the registry runs on both workers', () => registryRunsOn(NODE1) && registryRunsOn(NODE2), 120_000);
    buildUniqueImage(IMAGE, `drain-${run}`);
    const deployed = await admin.run(['app:deploy', '-n', APP, '-i', IMAGE, '--push', '--port', '8000', '--replicas', '3', '--health-path', '/healthz']);
    ok(deployed, 'deploy');
    // Swarm spreads one service's tasks over the nodes.
    const tasks = await runningTasks();
    assert.ok(tasks.some((t) => t.node === NODE1), `a task runs on ${NODE1}: ${JSON.stringify(tasks)}`);
  });

  after(async () => {
    await admin.run(['admin', 'node:activate', NODE1]);
    await admin.run(['admin', 'node:label', NODE1, '--rm', 'zone', 'disk', 'ok']);
    await removeApps(admin, APP);
    rigUp({ workers: 0 });
    removeImagesNamed(run);
  });

  it('node:drain returns once the tasks of a worker run elsewhere, healthy; the node shows drain', async () => {
    const r = await admin.run(['admin', 'node:drain', NODE1, '--timeout', '3m']);
    ok(r, 'drain');
    assert.match(r.stderr, new RegExp(`› ${NODE1} is drained now: Swarm places no new tasks on it`));
    assert.match(r.stderr, /› \d+ tasks? to move; \d+\/\d+ running elsewhere \(\d+ s\)/);
    assert.match(r.stdout, new RegExp(`^${NODE1} is drained: its \\d+ task\\(s\\) run elsewhere \\(.*${APP} 3/3.*\\) after [\\d.]+ s$`, 'm'));
    // At once, not eventually: the command returned only when all three ran elsewhere.
    const tasks = await runningTasks();
    assert.equal(tasks.length, 3, JSON.stringify(tasks));
    assert.ok(tasks.every((t) => t.node !== NODE1), JSON.stringify(tasks));
    const all = (await admin.json<{ tasks: Task[] }>(['app:inspect', '-n', APP])).tasks;
    assert.ok(!all.some((t) => t.node === NODE1 && t.state === 'running'), JSON.stringify(all));
    assert.equal((await node(NODE1)).availability, 'drain');
    const table = await admin.run(['app:inspect', '-n', APP]);
    assert.match(table.stdout, /^ID +NODE +RELEASE +STATE +DESIRED +SINCE +ERROR$/m);

    // Again, as JSON: nothing left to move, one document on stdout.
    const again = await admin.run(['admin', 'node:drain', NODE1, '--json']);
    ok(again, 'drain again');
    const doc = JSON.parse(again.stdout) as { node: { name: string }; availability: string; changed: boolean; waited: boolean; tasks: number };
    assert.deepEqual([doc.node.name, doc.availability, doc.changed, doc.waited, doc.tasks], [NODE1, 'drain', false, true, 0]);
  });

  it('node:activate lets Swarm place tasks on the node again', async () => {
    const r = await admin.run(['admin', 'node:activate', NODE1]);
    ok(r, 'activate');
    assert.match(r.stdout, new RegExp(`^${NODE1} is active: Swarm places new tasks on it$`, 'm'));
    assert.equal((await node(NODE1)).availability, 'active');
    const again = await admin.run(['admin', 'node:activate', NODE1]);
    assert.match(again.stdout, /was active already/);
  });

  it('a drain whose tasks do not all move in time says which stay, and leaves the node drained', async () => {
    // Tasks that take over 6 s to turn healthy cannot have moved within the shortest timeout (5 s).
    ok(await admin.run(['app:deploy', '-n', APP, '-i', IMAGE, '--push', '--health-cmd', 'sleep 6', '--health-timeout', '10s', '--timeout', '3m']), 'slow health check');
    const target = (await runningTasks()).map((t) => t.node).find((n) => n === NODE1 || n === NODE2);
    assert.ok(target, 'a task runs on a worker');
    const r = await admin.run(['admin', 'node:drain', target, '--timeout', '5s']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${target} is drained, but its tasks did not all move within 5s: .*${APP}`));
    assert.match(r.stderr, new RegExp(`hint: .*${target} stays drained: .*futuswarm admin node:activate ${target}`));
    assert.equal((await node(target)).availability, 'drain');
    ok(await admin.run(['admin', 'node:activate', target]), 'activate');
    await until('the app runs 3/3 again', async () => (await runningTasks()).length === 3, 90_000);
  });

  it('node:label adds, changes and removes labels; a bad one exits 2 and changes nothing', async () => {
    const set = await admin.run(['admin', 'node:label', NODE1, `zone=z-${run}`, 'disk=ssd']);
    ok(set, 'label');
    assert.match(set.stdout, /^ {2}\+ disk=ssd$/m);
    assert.match(set.stdout, new RegExp(`^ {2}\\+ zone=z-${run}$`, 'm'));
    assert.deepEqual([(await node(NODE1)).labels.zone, (await node(NODE1)).labels.disk], [`z-${run}`, 'ssd']);

    const rm = await admin.run(['admin', 'node:label', NODE1, '--rm', 'disk']);
    ok(rm, 'label --rm');
    assert.match(rm.stdout, /^ {2}- disk \(was ssd\)$/m);

    const bad = await admin.run(['admin', 'node:label', NODE1, 'Disk=ssd', 'ok=1']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^error: bad label Disk=ssd: a label key starts with a lowercase letter/m);
    const reserved = await admin.run(['admin', 'node:label', NODE1, 'futuswarm.role=x']);
    assert.equal(reserved.code, 2, reserved.stderr);
    assert.match(reserved.stderr, /keys under "futuswarm\." are reserved for futuswarm itself/);
    const labels = (await node(NODE1)).labels;
    assert.deepEqual([labels.zone, labels.disk, labels.ok, labels['futuswarm.role']], [`z-${run}`, undefined, undefined, undefined]);
  });

  it('node:remove refuses a node that is ready without --force, naming the next step; the node stays', async () => {
    const r = await admin.run(['admin', 'node:remove', NODE2, '--confirm', NODE2]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: refusing to remove ${NODE2}: .*it is ready: Swarm still hears from it`, 'm'));
    assert.match(r.stderr, /^hint: .*stop the node first \(terminate its instance or stop its Docker Engine\), or add --force/m);
    assert.equal((await node(NODE2)).state, 'ready');
  });

  it('an unknown name is refused with the names the swarm knows, and a suggestion', async () => {
    const r = await admin.run(['admin', 'node:drain', 'futuswarm-nod1']);
    assert.equal(r.code, 1, r.stderr);
    const known = /^error: there is no node futuswarm-nod1 in this swarm; its nodes are (.+)$/m.exec(r.stderr)?.[1]?.split(', ') ?? [];
    for (const name of [NODE1, NODE2, MANAGER]) assert.ok(known.includes(name), `${name} in ${JSON.stringify(known)}`);
    assert.match(r.stderr, /^hint: did you mean futuswarm-node1\? /m);
    const json = await admin.run(['admin', 'node:activate', 'futuswarm-nod1', '--json']);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'not_found');
    const malformed = await admin.run(['admin', 'node:drain', 'no/such']);
    assert.equal(malformed.code, 2, malformed.stderr);
    assert.equal((await node(NODE1)).availability, 'active');
  });

  it('bob, who is no admin, is refused every node command, and nothing changes', async () => {
    const tries: [string[], string][] = [
      [['node:drain', NODE1], 'admin.node.drain'],
      [['node:activate', NODE1], 'admin.node.activate'],
      [['node:label', NODE1, 'zone=bob'], 'admin.node.label'],
      [['node:remove', NODE2, '--force', '--confirm', NODE2], 'admin.node.remove'],
    ];
    for (const [args, op] of tries) {
      const r = await bob.run(['admin', ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`forbidden: ${op.replaceAll('.', '\\.')} is for admins and bob is not one`));
    }
    const n1 = await node(NODE1);
    assert.deepEqual([n1.availability, n1.labels.zone], ['active', `z-${run}`]);
    assert.equal((await node(NODE2)).state, 'ready');
  });

  it('admin agent:upgrade asks every node, workers through the node channel, manager first', async () => {
    const r = await admin.run(['admin', 'agent:upgrade', '-f', join(LOCAL.dir, 'cluster.yaml'), '--json'], { env: awsTestEnv() });
    ok(r, 'agent:upgrade');
    const result = JSON.parse(r.stdout) as { bundle: string; nodes: { node: string; role: string; outcome: string; agent: { mode: string; bundle?: string | null } | null }[] };
    assert.deepEqual(result.nodes.map((n) => [n.node, n.role]), [[MANAGER, 'manager'], [NODE1, 'worker'], [NODE2, 'worker']]);
    // The namespaced nodes share this machine's /opt/futuswarm: the manager's install is theirs too.
    for (const n of result.nodes.slice(1)) {
      assert.equal(n.outcome, 'unchanged', JSON.stringify(n));
      assert.deepEqual([n.agent?.mode, n.agent?.bundle], ['per-request', result.bundle]);
    }
    const refused = await bob.run(['admin', 'agent:upgrade', '-f', join(LOCAL.dir, 'cluster.yaml')], { env: awsTestEnv() });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /admin/);
  });

  it('every node command is audited, refusals too', async () => {
    const records = async (op: string) =>
      (await admin.json<{ records: { user: string; result: string; code?: string }[] }>(['admin', 'audit', '--op', op, '--since', '1h'])).records;
    for (const op of ['admin.node.drain', 'admin.node.activate', 'admin.node.label']) {
      const found = await records(op);
      assert.ok(found.some((r) => r.result === 'ok'), `${op}: ${JSON.stringify(found.slice(0, 3))}`);
      assert.ok(found.some((r) => r.user === 'bob' && r.code === 'forbidden'), `${op}: ${JSON.stringify(found.slice(0, 3))}`);
    }
    const removals = await records('admin.node.remove');
    assert.ok(removals.some((r) => r.result === 'error' && r.code === 'conflict'), JSON.stringify(removals.slice(0, 3)));
  });
});
