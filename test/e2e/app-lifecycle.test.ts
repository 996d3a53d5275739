/**
 * The walking skeleton end to end: the built CLI → OpenSSH → sshd's forced command →
 * futuswarm-agent → Docker Swarm, all real, on the local cluster.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { dockerJson, serviceExists, serviceVersion } from '../helpers/docker.ts';
import { removeApps } from '../helpers/cleanup.ts';

const APP = 'e2e-hello';
const BROKEN = 'e2e-broken';

interface DeployResult { app: string; changed: boolean; release: number; image: string; replicas: number; url: string }

describe('app lifecycle over SSH', () => {
  let cli: CliSandbox;
  before(async () => {
    cli = await localSandbox();
    // Release numbers live in the state store: start from nothing.
    await removeApps(cli, APP, BROKEN, 'e2e-badimage');
  });
  after(async () => {
    await removeApps(cli, APP, BROKEN);
  });

  it('deploys a new app and waits until it runs', async () => {
    const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--replicas', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /creating e2e-hello release 1 \(localhost\/hello:1\) with 2 replica/);
    assert.match(r.stderr, /release 1 is running: 2\/2/);
    // The sample image has no HEALTHCHECK and none was asked for: the user hears what that means.
    assert.match(r.stderr, /warning: e2e-hello has no health check, so a new task counts as ready as soon as it starts; .* add --health-path \/healthz/);
    assert.match(r.stdout, /e2e-hello release 1 \(localhost\/hello:1\) is live at http:\/\/e2e-hello\.apps\.local\.test/);
    const [svc] = dockerJson<{ Spec: { Mode: { Replicated: { Replicas: number } }; Labels: Record<string, string> } }[]>(['service', 'inspect', APP]);
    assert.equal(svc?.Spec.Mode.Replicated.Replicas, 2);
    assert.equal(svc?.Spec.Labels['traefik.http.routers.e2e-hello.rule'], 'Host(`e2e-hello.apps.local.test`)');
  });

  it('deploying the same tag again changes nothing and says so', async () => {
    const before = serviceVersion(APP);
    const r = await cli.json<DeployResult>(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1']);
    assert.deepEqual(r, { app: APP, changed: false, release: 1, image: 'localhost/hello:1', replicas: 2, url: 'http://e2e-hello.apps.local.test' });
    assert.equal(serviceVersion(APP), before);
  });

  it('rolls to a new tag as a new release', async () => {
    const r = await cli.json<DeployResult>(['app:deploy', '-n', APP, '-i', 'localhost/hello:2']);
    assert.equal(r.release, 2);
    assert.equal(r.changed, true);
    const inspect = await cli.json<{ release: number; image: string; replicas: { running: number; desired: number }; tasks: { release: string; state: string; desiredState: string }[]; labels: Record<string, string> }>(['app:inspect', '-n', APP]);
    assert.equal(inspect.release, 2);
    assert.equal(inspect.image, 'localhost/hello:2');
    assert.deepEqual(inspect.replicas, { running: 2, desired: 2 });
    assert.equal(inspect.tasks.filter((t) => t.desiredState === 'running').every((t) => t.release === '2'), true);
    assert.equal(inspect.labels['futuswarm.app'], APP);
  });

  it('lists the app with its tasks', async () => {
    const { apps } = await cli.json<{ apps: { app: string; release: number; running: number; desired: number }[] }>(['app:list']);
    const mine = apps.find((a) => a.app === APP);
    assert.deepEqual(mine && [mine.release, mine.running, mine.desired], [2, 2, 2]);
    const table = await cli.run(['app:list']);
    assert.match(table.stdout, /^APP\s+RELEASE\s+IMAGE\s+TASKS\s+UPDATED\s+URL$/m);
    assert.match(table.stdout, /e2e-hello\s+2\s+localhost\/hello:2\s+2\/2/);
  });

  it('rejects a bad name before anything is sent, and creates nothing', async () => {
    const r = await cli.run(['app:deploy', '-n', 'Bad_Name', '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: --name: must be a DNS label/);
    assert.equal(serviceExists('Bad_Name'), false);
  });

  it('rejects a bad image reference, and creates nothing', async () => {
    const r = await cli.run(['app:deploy', '-n', 'e2e-badimage', '-i', 'Acme/Shop', '-t', '1', '--port', '8000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--image: must be an image name/);
    assert.equal(serviceExists('e2e-badimage'), false);
  });

  it('reports a release that never runs, with task errors and log lines, and leaves nothing behind', async () => {
    const r = await cli.run(['app:deploy', '-n', BROKEN, '-i', 'localhost/broken', '-t', '1', '--port', '8000']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed: task: non-zero exit \(1\)/);
    assert.match(r.stderr, /\| fatal: no config/);
    assert.match(r.stderr, /error: release 1 of e2e-broken \(localhost\/broken:1\) did not become healthy/);
    assert.equal(serviceExists(BROKEN), false);
    // Not even its failed release: the name never became an app, and is free again.
    const releases = await cli.run(['app:releases', '-n', BROKEN]);
    assert.equal(releases.code, 1);
    assert.match(releases.stderr, /there is no app named e2e-broken/);
  });

  it('a failing new release of a running app is rolled back by Swarm; the old one keeps serving', async () => {
    const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/broken', '-t', '1', '--json']);
    assert.equal(r.code, 1);
    const body = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'deploy_failed');
    assert.match(body.error.message, /rolled e2e-hello back to release 2/);
    const inspect = await cli.json<{ release: number; image: string; replicas: { running: number } }>(['app:inspect', '-n', APP]);
    assert.deepEqual([inspect.release, inspect.image, inspect.replicas.running], [2, 'localhost/hello:2', 2]);
  });

  it('sshd refuses a key nobody owns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'futuswarm-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
    const stranger = await localSandbox({ identityFile: join(dir, 'id') });
    const r = await stranger.run(['app:list']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused your SSH key/);
    assert.match(r.stderr, /hint: ask an admin to add your public key/);
  });

  it('every command on an app that does not exist says so, with exit code 1', async () => {
    const nope = 'e2e-no-such-app';
    for (const argv of [
      ['app:inspect', '-n', nope], ['app:releases', '-n', nope], ['app:owners', '-n', nope], ['app:lock', '-n', nope, '--status'],
      ['app:unlock', '-n', nope], ['app:secrets', 'list', '-n', nope], ['app:secrets', 'history', '-n', nope], ['app:secrets', 'get', '-n', nope, 'A'],
    ]) {
      const r = await cli.run(argv);
      assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, /^error: there is no app named e2e-no-such-app/m, argv.join(' '));
    }
  });

  it('removes the app', async () => {
    const r = await cli.run(['app:remove', '-n', APP, '--confirm', APP]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(serviceExists(APP), false);
    const again = await cli.run(['app:remove', '-n', APP, '--confirm', APP]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /there is no app named e2e-hello/);
  });
});
