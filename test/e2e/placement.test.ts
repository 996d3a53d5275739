/**
 * Where app tasks run, on a rig with two workers (scripts/local-cluster.sh up --workers 2:
 * futuswarm-node1 and futuswarm-node2; the manager is this machine): apps keep off the manager
 * once workers take tasks (nodes.appsOnManagers: auto), --constraint and --spread on node
 * labels, and a constraint no node meets is refused before anything changes. Images reach the
 * workers only through the cluster registry, so every app deploys an image built here (--build).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { rigUp } from '../helpers/rig.ts';
import { removeImagesNamed, registryRunsOn, serviceExists, serviceVersion, until } from '../helpers/docker.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const AUTO = 'pl-auto';
const ZONE = 'pl-zone';
const SPREAD = 'pl-spread';
const NONE = 'pl-none';
const APPS = [AUTO, ZONE, SPREAD, NONE];
const NODE1 = 'futuswarm-node1';
const NODE2 = 'futuswarm-node2';
const WORKERS = [NODE1, NODE2];

const docker = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

interface Task { node?: string; state: string; desiredState: string }
interface Inspect { release: number; tasks: Task[]; placement: { constraints: string[]; spread: string[]; workersOnly: boolean } }
interface Deployed { changed: boolean; release: number; image: string }

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}


/** How many of the app's current tasks run on each node. */
function runningByNode(tasks: readonly Task[]): Record<string, number> {
  const count: Record<string, number> = {};
  for (const t of tasks) if (t.state === 'running' && t.desiredState === 'running') count[t.node ?? '?'] = (count[t.node ?? '?'] ?? 0) + 1;
  return count;
}

describe('placement of app tasks (two workers)', () => {
  let cli: CliSandbox;
  let buildDir: string;
  /** The digest each app's first deploy pushed, to deploy again without building. */
  const images = new Map<string, string>();

  /** The first deploy of an app: a unique image built here, pushed into its repository. */
  async function firstDeploy(app: string, args: string[]): Promise<Deployed> {
    const r = await cli.run(['app:deploy', '-n', app, '--build', buildDir, '-t', `pl-${run}`, '--port', '8000', ...args, '--json']);
    ok(r, `first deploy of ${app}`);
    const deployed = JSON.parse(r.stdout) as Deployed;
    images.set(app, deployed.image);
    return deployed;
  }

  const inspect = (app: string) => cli.json<Inspect>(['app:inspect', '-n', app]);

  before(async () => {
    cli = await localSandbox();
    await removeApps(cli, ...APPS);
    rigUp({ workers: 2 });
    // The cluster registry is global: each worker pulls from its own instance.
    await until('the registry runs on both workers', () => WORKERS.every(registryRunsOn), 120_000);
    // Labels an earlier run left (docker refuses to remove one that is not there).
    for (const w of WORKERS) spawnSync('docker', ['node', 'update', '--label-rm', 'zone', w], { stdio: 'ignore' });
    buildDir = mkdtempSync(join(tmpdir(), 'futuswarm-placement-'));
    writeFileSync(join(buildDir, 'Dockerfile'), `FROM localhost/hello:1\nRUN echo placement-${run} > /www/marker.txt\n`);
  });

  after(async () => {
    await removeApps(cli, ...APPS);
    rigUp({ workers: 0 });
    removeImagesNamed(run);
    rmSync(buildDir, { recursive: true, force: true });
  });

  it('with workers, a new app runs on workers only (auto), and deploying it again changes nothing', async () => {
    await firstDeploy(AUTO, ['--replicas', '2']);
    const shown = await inspect(AUTO);
    const nodes = Object.keys(runningByNode(shown.tasks));
    assert.ok(nodes.length > 0 && nodes.every((n) => WORKERS.includes(n)), `tasks only on workers: ${JSON.stringify(shown.tasks)}`);
    assert.deepEqual(shown.placement, { constraints: [], spread: [], workersOnly: true });
    const human = await cli.run(['app:inspect', '-n', AUTO]);
    assert.match(human.stdout, /^managers: +avoided: tasks run on workers only$/m);

    const again = await cli.json<Deployed>(['app:deploy', '-n', AUTO, '-i', images.get(AUTO)!]);
    assert.equal(again.changed, false, 'the same app on the same cluster is no change');
  });

  it('--constraint zone==a puts both tasks on the node labelled zone=a, and is kept by the next deploy', async () => {
    docker(['node', 'update', '--label-add', 'zone=a', NODE1]);
    docker(['node', 'update', '--label-add', 'zone=b', NODE2]);
    await firstDeploy(ZONE, ['--replicas', '2', '--constraint', 'zone==a']);
    const shown = await inspect(ZONE);
    assert.deepEqual(runningByNode(shown.tasks), { [NODE1]: 2 });
    assert.deepEqual(shown.placement, { constraints: ['zone==a'], spread: [], workersOnly: true });

    const again = await cli.json<Deployed>(['app:deploy', '-n', ZONE, '-i', images.get(ZONE)!]);
    assert.equal(again.changed, false);
    assert.deepEqual((await inspect(ZONE)).placement.constraints, ['zone==a']);

    const dry = await cli.run(['app:deploy', '-n', ZONE, '-i', images.get(ZONE)!, '--no-constraints', '--dry-run']);
    ok(dry, 'dry run without constraints');
    assert.match(dry.stdout, /^constraints +node\.role==worker, zone==a +node\.role==worker$/m);
  });

  it('draining the only node an app may run on is refused with the reason, and changes nothing', async () => {
    const refused = await cli.run(['admin', 'node:drain', NODE1]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`draining ${NODE1} would leave .*${ZONE}.*nothing was changed`));
    assert.equal(docker(['node', 'inspect', '--format', '{{.Spec.Availability}}', NODE1]), 'active');
    assert.deepEqual(runningByNode((await inspect(ZONE)).tasks), { [NODE1]: 2 });
  });

  it('--spread zone with 4 replicas: Swarm gets the spread preference, and both zones run tasks', async () => {
    await firstDeploy(SPREAD, ['--replicas', '4', '--spread', 'zone']);
    const shown = await inspect(SPREAD);
    assert.deepEqual(shown.placement.spread, ['zone']);
    assert.equal(docker(['service', 'inspect', '--format', '{{json .Spec.TaskTemplate.Placement.Preferences}}', SPREAD]), '[{"Spread":{"SpreadDescriptor":"node.labels.zone"}}]');
    // Docker 20.10's scheduler treats spread as a preference: 2/2 mostly, 3/1 at times (seen here).
    const byNode = runningByNode(shown.tasks);
    assert.equal((byNode[NODE1] ?? 0) + (byNode[NODE2] ?? 0), 4, JSON.stringify(byNode));
    assert.ok((byNode[NODE1] ?? 0) >= 1 && (byNode[NODE2] ?? 0) >= 1, `both zones run tasks: ${JSON.stringify(byNode)}`);
  });

  it('a constraint no node meets is refused, naming the nodes and their labels, and changes nothing', async () => {
    const was = { version: serviceVersion(ZONE), inspect: await inspect(ZONE) };
    const refused = await cli.run(['app:deploy', '-n', ZONE, '-i', images.get(ZONE)!, '--constraint', 'zone==c']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /no active, ready worker with zone==c can run the tasks of pl-zone/);
    for (const [name, zone] of [[NODE1, 'a'], [NODE2, 'b']]) {
      assert.match(refused.stderr, new RegExp(`${name} \\(worker, active, ready; [^)]*zone=${zone}[^)]*\\)`));
    }
    assert.match(refused.stderr, /hint: .*futuswarm admin node:label/);
    assert.equal(serviceVersion(ZONE), was.version, 'the service is untouched');
    const afterwards = await inspect(ZONE);
    assert.deepEqual([afterwards.release, afterwards.placement], [was.inspect.release, was.inspect.placement], 'and so are the stored settings');

    // A new app is not created at all (refused before Swarm is asked, so any image will do).
    const fresh = await cli.run(['app:deploy', '-n', NONE, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--constraint', 'zone==c']);
    assert.equal(fresh.code, 2, fresh.stderr);
    assert.equal(serviceExists(NONE), false);
  });

  it('a malformed --constraint exits 2, names what is wrong and changes nothing', async () => {
    const version = serviceVersion(ZONE);
    const bad = await cli.run(['app:deploy', '-n', ZONE, '-i', images.get(ZONE)!, '--constraint', 'zone=a']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--constraint "zone=a": op: must be == or !=/);
    const badSpread = await cli.run(['app:deploy', '-n', ZONE, '-i', images.get(ZONE)!, '--spread', 'Zone']);
    assert.equal(badSpread.code, 2, badSpread.stderr);
    assert.match(badSpread.stderr, /--spread\.0: a label key starts with a lowercase letter/);
    assert.equal(serviceVersion(ZONE), version);
  });
});
