/**
 * Images from the user's machine to the cluster, end to end with the real CLI: a Dockerfile in
 * a temp dir is built with the local Docker, pushed through the SSH connection into the app's
 * repository of the cluster registry (Distribution on moto's S3), and deployed by digest. The
 * node then loses every local copy and pulls it again. Also: a failing build deploys nothing,
 * an unchanged push uploads nothing, bob cannot push into alice's app nor run its images,
 * rollback runs the recorded digest after the tag moved, prune and garbage collection, and bad input.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { removeContainersLabelled, removeImagesNamed } from '../helpers/docker.ts';
import { DOMAIN, proxyRequest, waitForStoppedTasks } from '../helpers/proxy.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `img-${run}`;
const ALICE_APP = `img-alice-${run}`;
const BOB_APP = `img-bob-${run}`;
const REGISTRY = '127.0.0.1:5000';

const rigIdentity = (uid: string) =>
  join(process.env.XDG_CONFIG_HOME ?? join(process.env.HOME ?? homedir(), '.config'), 'futuswarm', 'ldap-users', uid, 'id_ed25519');

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

/** A build context whose image serves `marker` at /marker.txt (and /healthz, from hello:1). */
function context(marker: string, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'futuswarm-build-'));
  writeFileSync(join(dir, 'Dockerfile'), `FROM localhost/hello:1\nRUN echo ${marker} > /www/marker.txt\n${extra}`);
  return dir;
}

/** What the app serves at /marker.txt through the proxy, once it says `expected` (routes settle within a second or two). */
async function marker(app: string, expected: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 50; i++) {
    last = await proxyRequest(`${app}.${DOMAIN}`, '/marker.txt').then((r) => r.body.trim(), (e: Error) => e.message);
    if (last === expected) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

const docker = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

interface Deployed { app: string; release: number; image: string }
interface Images { repository: string; images: { digest: string; tags: string[]; size: number; pushedBy: string; releases: number[] }[] }

describe('images: build, push, cluster registry', () => {
  let admin: CliSandbox;
  let alice: CliSandbox;
  let bob: CliSandbox;
  const dirs: string[] = [];
  const dir = (marker: string, extra = '') => {
    const d = context(marker, extra);
    dirs.push(d);
    return d;
  };

  before(async () => {
    [admin, alice, bob] = await Promise.all([localSandbox(), localSandbox({ identityFile: rigIdentity('alice') }), localSandbox({ identityFile: rigIdentity('bob') })]);
    removeContainersLabelled('futuswarm.registry=gc');
  });
  after(async () => {
    await removeApps(admin, APP, ALICE_APP, BOB_APP);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    removeImagesNamed(run);
  });

  let first: Deployed;

  it('app:deploy --build builds with the local Docker, pushes, and deploys the pushed image by digest', async () => {
    const r = await admin.run(['app:deploy', '-n', APP, '--build', dir(`first-${run}`), '-t', 'v1', '--port', '8000', '--health-path', '/healthz', '--json']);
    ok(r, 'deploy --build');
    first = JSON.parse(r.stdout) as Deployed;
    assert.match(first.image, new RegExp(`^${REGISTRY}/${APP}@sha256:[a-f0-9]{64}$`));
    assert.match(r.stderr, /digest: sha256:/, 'docker push progress is shown on stderr');
    assert.equal(await marker(APP, `first-${run}`), `first-${run}`);
    const images = await admin.json<Images>(['app:images', '-n', APP]);
    assert.equal(images.repository, `${REGISTRY}/${APP}`);
    assert.deepEqual(images.images.map((i) => [i.digest, i.tags, i.pushedBy, i.releases]), [[first.image.split('@')[1], ['v1'], 'admin', [first.release]]]);
    assert.ok(images.images[0]!.size > 0);
  });

  it('a node that lost every local copy pulls the image from the cluster registry', async () => {
    ok(await admin.run(['app:scale', '-n', APP, '0']), 'scale to 0');
    await waitForStoppedTasks(APP);
    for (const c of docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${APP}`]).split('\n').filter(Boolean)) docker(['rm', '-f', c]);
    const id = docker(['image', 'inspect', '--format', '{{.Id}}', first.image]);
    execFileSync('docker', ['image', 'rm', '-f', id], { stdio: 'ignore' });
    assert.throws(() => docker(['image', 'inspect', first.image]), 'the image is gone from the node');
    ok(await admin.run(['app:scale', '-n', APP, '1']), 'scale to 1');
    assert.equal(docker(['image', 'inspect', '--format', '{{.Id}}', first.image]), id, 'the same image came back');
    assert.equal(await marker(APP, `first-${run}`), `first-${run}`);
  });

  it('a second push of an unchanged image uploads no layer', async () => {
    const local = `futuswarm/${APP}:v1`;
    execFileSync('docker', ['tag', `${first.image}`, local]);
    const r = await admin.run(['app:push', '-n', APP, '-i', local, '--json']);
    ok(r, 'push again');
    assert.doesNotMatch(r.stderr, /: Pushed$/m, r.stderr);
    assert.match(r.stderr, /Layer already exists/);
    assert.equal((JSON.parse(r.stdout) as { digest: string }).digest, first.image.split('@')[1]);
  });

  it('a failing RUN deploys nothing: the app keeps its release', async () => {
    const r = await admin.run(['app:deploy', '-n', APP, '--build', dir(`broken-${run}`, 'RUN exit 3\n')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the build failed \(docker build exited 1\); nothing was pushed or deployed/);
    const inspect = await admin.json<{ release: number; image: string }>(['app:inspect', '-n', APP]);
    assert.deepEqual([inspect.release, inspect.image], [first.release, first.image]);
    assert.equal((await admin.json<Images>(['app:images', '-n', APP])).images.length, 1);
  });

  it('rollback runs the recorded digest, though the tag moved', async () => {
    const second = await admin.json<Deployed>(['app:deploy', '-n', APP, '--build', dir(`second-${run}`), '-t', 'v1']);
    assert.notEqual(second.image, first.image);
    assert.equal(await marker(APP, `second-${run}`), `second-${run}`);
    const images = await admin.json<Images>(['app:images', '-n', APP]);
    assert.deepEqual(images.images.map((i) => i.tags), [['v1'], []], 'the tag moved to the newer image');
    const back = await admin.json<Deployed>(['app:rollback', '-n', APP]);
    assert.equal(back.image, first.image);
    assert.equal(await marker(APP, `first-${run}`), `first-${run}`);
  });

  it('app:images --prune keeps what releases run and the newest pushes', async () => {
    const third = dir(`third-${run}`);
    execFileSync('docker', ['build', '-q', '-t', `futuswarm/${APP}:unused`, third], { stdio: 'ignore' });
    ok(await admin.run(['app:push', '-n', APP, '-i', `futuswarm/${APP}:unused`]), 'push an image no release runs');
    const before = await admin.json<Images>(['app:images', '-n', APP]);
    assert.equal(before.images.length, 3);
    const dry = await admin.json<{ wouldDelete: string[] }>(['app:images', '-n', APP, '--prune', '--keep', '1', '--dry-run']);
    // Kept: the newest push (unused) and the newest release's image (the rolled-back first).
    const second = before.images.find((i) => !i.tags.includes('unused') && i.digest !== first.image.split('@')[1]);
    assert.deepEqual(second?.tags, ['v1']);
    assert.deepEqual(dry.wouldDelete, [second?.digest]);
    const pruned = await admin.json<{ deleted: string[] }>(['app:images', '-n', APP, '--prune', '--keep', '1', '--confirm', APP]);
    assert.deepEqual(pruned.deleted, dry.wouldDelete);
    assert.equal((await admin.json<Images>(['app:images', '-n', APP])).images.length, 2);
  });

  it('admin registry:gc frees the pruned layers, keeps what releases run, and takes no push meanwhile', async () => {
    interface Gc { dryRun: boolean; blobsMarked: number; blobsDeleted: number; bytesDeleted: number; blobsLeft: number; bytesLeft: number }
    const readOnlySince = () => docker(['service', 'inspect', '--format', '{{index .Spec.Labels "futuswarm.registry.read-only-since"}}', 'futuswarm-registry']);
    const dry = await admin.json<Gc>(['admin', 'registry:gc', '--dry-run']);
    // The pruned image's manifest, config and its own layer at least; its base layers are shared.
    assert.ok(dry.blobsDeleted >= 3, JSON.stringify(dry));
    assert.ok(dry.bytesDeleted > 0 && dry.blobsLeft > 0, JSON.stringify(dry));
    assert.equal(readOnlySince(), '', 'a dry run leaves the registry writable');
    assert.equal((await admin.json<Gc>(['admin', 'registry:gc', '--dry-run'])).blobsDeleted, dry.blobsDeleted, 'and deletes nothing');

    const collecting = admin.run(['admin', 'registry:gc', '--json']);
    for (let i = 0; i < 200 && readOnlySince() === ''; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(readOnlySince(), /^\d{4}-\d\d-\d\dT/, 'the registry went read-only');
    const pushed = await admin.run(['app:push', '-n', APP, '-i', `futuswarm/${APP}:unused`, '-t', 'during-gc']);
    assert.equal(pushed.code, 1, pushed.stderr);
    assert.match(pushed.stderr, /error: the cluster registry is read-only while an admin collects its garbage \(since .*\); nothing was pushed\nhint: try again in a minute/);
    const twice = await admin.run(['admin', 'registry:gc']);
    assert.equal(twice.code, 1, twice.stderr);
    assert.match(twice.stderr, /error: the registry has been read-only since .*: another garbage collection is running/);

    const done = await collecting;
    ok(done, 'registry:gc');
    const gc = JSON.parse(done.stdout) as Gc;
    assert.deepEqual([gc.dryRun, gc.blobsDeleted, gc.bytesDeleted, gc.blobsLeft, gc.bytesLeft], [false, dry.blobsDeleted, dry.bytesDeleted, dry.blobsLeft, dry.bytesLeft]);
    assert.equal(readOnlySince(), '', 'writable again');
    assert.equal(docker(['ps', '-aq', '--filter', 'label=futuswarm.registry=gc']), '', 'the collector\'s job left no container');
    assert.equal((await admin.json<Gc>(['admin', 'registry:gc', '--dry-run'])).blobsDeleted, 0, 'nothing left to collect');
    assert.ok(!(await admin.json<Images>(['app:images', '-n', APP])).images.some((i) => i.tags.includes('during-gc')), 'the refused push left no record');

    // What the app runs was kept: a node without a local copy pulls it again.
    const image = (await admin.json<{ image: string }>(['app:inspect', '-n', APP])).image;
    ok(await admin.run(['app:scale', '-n', APP, '0']), 'scale to 0');
    await waitForStoppedTasks(APP);
    for (const c of docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${APP}`]).split('\n').filter(Boolean)) docker(['rm', '-f', c]);
    execFileSync('docker', ['image', 'rm', '-f', docker(['image', 'inspect', '--format', '{{.Id}}', image])], { stdio: 'ignore' });
    ok(await admin.run(['app:scale', '-n', APP, '1']), 'scale to 1 after gc');
    assert.equal(await marker(APP, `first-${run}`), `first-${run}`);
    // Pushes work again, into the storage garbage collection just swept.
    ok(await admin.run(['app:push', '-n', APP, '-i', `futuswarm/${APP}:unused`, '-t', 'after-gc']), 'push after gc');
  });

  it('bob cannot push into alice\'s app, nor run its images in his', async () => {
    ok(await alice.run(['app:deploy', '-n', ALICE_APP, '--build', dir(`alice-${run}`), '--port', '8000']), 'alice deploys');
    const aliceImage = (await alice.json<{ image: string }>(['app:inspect', '-n', ALICE_APP])).image;
    const pushed = await bob.run(['app:push', '-n', ALICE_APP, '-i', 'localhost/hello:2']);
    assert.equal(pushed.code, 1, pushed.stderr);
    assert.match(pushed.stderr, new RegExp(`forbidden: ${ALICE_APP} is owned by alice`));
    assert.equal((await alice.json<Images>(['app:images', '-n', ALICE_APP])).images.length, 1, 'nothing reached the repository');
    const borrowed = await bob.run(['app:deploy', '-n', BOB_APP, '-i', aliceImage, '--port', '8000']);
    assert.equal(borrowed.code, 1, borrowed.stderr);
    assert.match(borrowed.stderr, new RegExp(`error: ${BOB_APP} may run only images of its own repository ${REGISTRY}/${BOB_APP}, not ${ALICE_APP}`));
  });

  it('the registry is the admins\': bob may not deploy it nor store logins; deploying it again changes nothing', async () => {
    const deploy = await bob.run(['admin', 'registry:deploy']);
    assert.equal(deploy.code, 1, deploy.stderr);
    assert.match(deploy.stderr, /forbidden: admin\.registry\.deploy is for admins and bob is not one/);
    const gc = await bob.run(['admin', 'registry:gc', '--dry-run']);
    assert.equal(gc.code, 1, gc.stderr);
    assert.match(gc.stderr, /forbidden: admin\.registry\.gc is for admins and bob is not one/);
    const add = await bob.run(['admin', 'registry:add', '127.0.0.1:5999', '-u', 'x', '--password-stdin'], { input: 'y\n' });
    assert.equal(add.code, 1, add.stderr);
    assert.match(add.stderr, /forbidden: admin\.registry\.add is for admins and bob is not one/);
    const again = await admin.json<{ changed: boolean; address: string; tasks: number }>(['admin', 'registry:deploy']);
    assert.deepEqual([again.changed, again.address], [false, REGISTRY]);
    assert.ok(again.tasks >= 1);
  });

  it('bad input is refused with exit 2 and changes nothing', async () => {
    const missing = join(tmpdir(), `no-such-dir-${run}`);
    const cases: [string[], RegExp][] = [
      [['app:deploy', '-n', APP, '--build', missing], /--build: .* is not a directory/],
      [['app:deploy', '-n', APP, '--build', dir('x'), '--dockerfile', 'Nope.Dockerfile'], /--dockerfile: there is no Nope.Dockerfile/],
      [['app:deploy', '-n', APP, '-i', `localhost/hello:1@sha256:${'a'.repeat(64)}`], /give a tag or a digest, not both/],
      [['app:deploy', '-n', APP, '--build', '.', '-i', 'x'], /--build and --image exclude each other/],
      [['app:deploy', '-n', APP, '--dockerfile', 'x'], /--dockerfile needs --build/],
      [['app:deploy', '-n', APP, '--build', '.', '--dry-run'], /--dry-run changes nothing, but --build would push an image/],
      [['app:push', '-n', APP, '-i', `no-such-image-${run}:1`], /there is no image no-such-image-.* in your local Docker/],
      [['app:deploy', '-n', APP, '-i', 'localhost/hello:1', '--push', '--build-arg', 'X=1'], /--build-arg needs --build/],
      [['app:deploy', '-n', APP, '--build', dir('x'), '--build-arg', '1BAD=x'], /--build-arg: must be KEY=value or KEY, got "1BAD=x"/],
    ];
    const release = (await admin.json<{ release: number }>(['app:inspect', '-n', APP])).release;
    for (const [args, message] of cases) {
      const r = await admin.run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal((await admin.json<{ release: number }>(['app:inspect', '-n', APP])).release, release);
  });
});
