/**
 * The release lifecycle end to end, on the real swarm over real SSH: health-gated rolling
 * deploys and Swarm's rollback, manual rollback with the release's secrets, deploy locks,
 * dry runs, one-off jobs, exec, logs, and a CLI killed in the middle of a deploy.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLI, localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { removeContainersLabelled, removeServiceIfExists, serviceExists, serviceVersion, until } from '../helpers/docker.ts';
import { removeApps } from '../helpers/cleanup.ts';

const APP = 'lc-web';
const GONE = 'lc-gone';
const GONE_IMAGE = 'localhost/lc-gone:1';
const DOCKER_ENV = { ...process.env, DOCKER_API_VERSION: '1.41' };

interface Releases { live: number | null; releases: { n: number; live: boolean; image: string; imageId: string | null; secretsVersion: string | null; note: string | null; rollbackOf: number | null; status: string; failure: string | null }[] }
interface Inspect { release: number; image: string; replicas: { running: number; desired: number }; pendingSecrets?: { version: string | null; running: string | null; set?: string[]; unset?: string[] } | null }

/** A CLI run in the background, to act on while it works. */
interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

function start(cli: CliSandbox, args: readonly string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: cli.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.end();
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    async waitFor(pattern, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} in:\n${stderr}`);
        if (child.exitCode !== null) throw new Error(`the CLI exited (${child.exitCode}) before ${pattern}:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** The image IDs the running containers of the app's live release were created from. */
function runningImageIds(app: string, release: number): string[] {
  const ids = containers(app, release, ['--filter', 'status=running']);
  return [...new Set(ids.map((id) => execFileSync('docker', ['inspect', '--format', '{{.Image}}', id], { encoding: 'utf8', env: DOCKER_ENV }).trim()))];
}

function containers(app: string, release: number, more: string[] = []): string[] {
  const filters = ['--filter', `label=com.docker.swarm.service.name=${app}`, '--filter', `label=futuswarm.release=${release}`, ...more];
  return execFileSync('docker', ['ps', '-a', '-q', ...filters], { encoding: 'utf8', env: DOCKER_ENV }).trim().split('\n').filter(Boolean);
}

const imageId = (ref: string): string => execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { encoding: 'utf8', env: DOCKER_ENV }).trim();

function jobServices(app: string): string[] {
  return execFileSync('docker', ['service', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8', env: DOCKER_ENV })
    .split('\n')
    .filter((n) => n.startsWith(`${app}_run_`));
}

/** Forget an app entirely (service, releases, secrets, lock), whatever a failed run left. */
async function wipe(cli: CliSandbox, app: string): Promise<void> {
  await cli.run(['app:unlock', '-n', app, '--force']);
  await removeApps(cli, app);
  for (const job of jobServices(app)) removeServiceIfExists(job);
}

describe('release lifecycle', () => {
  let cli: CliSandbox;
  let deployed: Releases;

  before(async () => {
    cli = await localSandbox();
    await Promise.all([wipe(cli, APP), wipe(cli, GONE)]);
    removeContainersLabelled(`futuswarm.job.app=${APP}`);
    execFileSync('docker', ['image', 'rm', '-f', GONE_IMAGE], { env: DOCKER_ENV, stdio: 'ignore' });
  });
  after(async () => {
    await Promise.all([wipe(cli, APP), wipe(cli, GONE)]);
    execFileSync('docker', ['image', 'rm', '-f', GONE_IMAGE], { env: DOCKER_ENV, stdio: 'ignore' });
  });

  it('deploys v1 and then v2 (healthy, health-gated): v2 is live and both releases are recorded', async () => {
    const v1 = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--health-path', '/healthz']);
    assert.equal(v1.code, 0, v1.stderr);
    assert.doesNotMatch(v1.stderr, /no health check/);
    // A secret between the releases: v1 runs without it, v2 with it.
    const set = await cli.run(['app:secrets', 'set', '-n', APP, 'GREETING=two', '--no-restart']);
    assert.equal(set.code, 0, set.stderr);
    // Stored, not running: app:inspect says so until the next deploy.
    const waiting = await cli.json<Inspect>(['app:inspect', '-n', APP]);
    assert.deepEqual({ ...waiting.pendingSecrets, version: typeof waiting.pendingSecrets?.version }, { version: 'string', running: null, set: ['GREETING'], unset: [] });
    const shown = await cli.run(['app:inspect', '-n', APP]);
    assert.match(shown.stdout, /^pending: +secrets are stored that the tasks do not run; the next app:deploy applies them\n +GREETING set\n +stored version: +\S+\n +running version: \(none\)$/m);
    const v2 = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '2']);
    assert.equal(v2.code, 0, v2.stderr);
    assert.match(v2.stderr, /rolling lc-web from release 1 to 2 \(localhost\/hello:2\), one task at a time/);
    assert.match(v2.stdout, /lc-web release 2 \(localhost\/hello:2\) is live/);
    deployed = await cli.json<Releases>(['app:releases', '-n', APP]);
    assert.equal(deployed.live, 2);
    assert.deepEqual(deployed.releases.map((r) => [r.n, r.image, r.live]), [[2, 'localhost/hello:2', true], [1, 'localhost/hello:1', false]]);
    assert.deepEqual([typeof deployed.releases[0]?.secretsVersion, deployed.releases[1]?.secretsVersion], ['string', null]);
    assert.deepEqual(runningImageIds(APP, 2), [imageId('localhost/hello:2')]);
    assert.equal((await cli.json<Inspect>(['app:inspect', '-n', APP])).pendingSecrets, null, 'the deploy applied them');
    assert.doesNotMatch((await cli.run(['app:inspect', '-n', APP])).stdout, /^pending:/m);
  });

  it('v3 fails its health check: Swarm rolls back, v2 keeps serving, and the CLI says why', async () => {
    const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '3']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /failed: task: non-zero exit \(137\): dockerexec: unhealthy container \(health check: GET \/healthz on port 8000\)/);
    assert.match(r.stderr, /\| \S+ response:404|\| .*response:404/, 'the task\'s own log lines');
    assert.match(r.stderr, /health \| exit 1: GET http:\/\/127\.0\.0\.1:8000\/healthz answered 404 Not Found/, 'what the probe saw');
    assert.match(r.stderr, /error: release 3 of lc-web \(localhost\/hello:3\) did not become healthy: the health check \(GET \/healthz on port 8000\) failed on task \w+: GET http:\/\/127\.0\.0\.1:8000\/healthz answered 404 Not Found; Swarm rolled lc-web back to release 2, which keeps serving/);
    const inspect = await cli.json<Inspect>(['app:inspect', '-n', APP]);
    assert.deepEqual([inspect.release, inspect.image, inspect.replicas.running], [2, 'localhost/hello:2', 1]);
    // Recorded as failed, with why: its number is never given again.
    const { releases } = await cli.json<Releases>(['app:releases', '-n', APP]);
    assert.deepEqual(releases.map((x) => [x.n, x.status, x.live]), [[3, 'failed', false], [2, 'deployed', true], [1, 'deployed', false]]);
    assert.match(releases[0]?.failure ?? '', /^the health check \(GET \/healthz on port 8000\) failed on task \w+: GET http:\/\/127\.0\.0\.1:8000\/healthz answered 404 Not Found$/);
    const table = await cli.run(['app:releases', '-n', APP]);
    assert.match(table.stdout, /^\s+3\s+failed\s+localhost\/hello:3\s/m);
    assert.match(table.stdout, /^release 3 failed: the health check \(GET \/healthz on port 8000\) failed on task /m);
    // Served, not just running: fetch the page over the app's network. Right after the rollback
    // the name may still resolve to the address of the removed v3 task for a moment ("No route
    // to host"), so a fetch is tried again as a client would, for a few seconds.
    let page: CliResult | undefined;
    await until('v2 answers by name on the app network', async () => {
      page = await cli.run(['app:run', '-n', APP, '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${APP} 8000`]);
      return page.code === 0;
    }, 20_000, 1_000).catch(() => undefined);
    assert.equal(page?.code, 0, page?.stderr);
    assert.match(page?.stdout ?? '', /<h1>hello v2<\/h1>/);
  });

  it('v4 exits at start: Swarm rolls back, v2 keeps serving, and the CLI shows its exit code and last lines', async () => {
    const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/broken', '-t', '1']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\| fatal: no config/);
    assert.match(r.stderr, /error: release 4 of lc-web \(localhost\/broken:1\) did not become healthy: the container exited with code 1 \(task \w+\); Swarm rolled lc-web back to release 2, which keeps serving/);
    const inspect = await cli.json<Inspect>(['app:inspect', '-n', APP]);
    assert.deepEqual([inspect.release, inspect.image, inspect.replicas.running], [2, 'localhost/hello:2', 1]);
    const { releases } = await cli.json<Releases>(['app:releases', '-n', APP]);
    assert.deepEqual(releases.map((x) => [x.n, x.status]), [[4, 'failed'], [3, 'failed'], [2, 'deployed'], [1, 'deployed']], 'a new number, not 3 again');
    assert.match(releases[0]?.failure ?? '', /^the container exited with code 1 \(task \w+\)$/);
  });

  it('a failed release is no rollback target: --to refuses it, and the default passes over it', async () => {
    const version = serviceVersion(APP);
    const r = await cli.run(['app:rollback', '-n', APP, '--to', '4']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: release 4 of lc-web failed, so there is nothing to go back to: it never ran healthy \(the container exited with code 1 \(task \w+\)\)$/m);
    assert.match(r.stderr, /^hint: roll back to a release that ran \(futuswarm app:releases -n lc-web\)/m);
    assert.equal(serviceVersion(APP), version);
  });

  it('--dry-run prints the difference and changes nothing, for deploy, rollback and scale', async () => {
    const version = serviceVersion(APP);
    const deploy = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--dry-run']);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.match(deploy.stdout, /lc-web: would roll to release 5 \(dry run, nothing changed\)/);
    assert.match(deploy.stdout, /^image\s+localhost\/hello:2\s+localhost\/hello:1$/m);
    const rollback = await cli.run(['app:rollback', '-n', APP, '--dry-run']);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, /^image\s+localhost\/hello:2\s+localhost\/hello:1$/m);
    assert.match(rollback.stdout, /^env GREETING\s+\(set\)\s+\(none\)$/m, 'keys that change, never values');
    assert.match(rollback.stdout, /^secrets: release 1 ran without secrets; the current ones \(version \S+\) would be removed$/m);
    const planned = await cli.json<{ rollbackOf: number; secretsVersion: string | null; currentSecretsVersion: string | null; restoresSecrets: boolean }>(['app:rollback', '-n', APP, '--dry-run']);
    assert.deepEqual([planned.rollbackOf, planned.secretsVersion, typeof planned.currentSecretsVersion, planned.restoresSecrets], [1, null, 'string', true]);
    const toTwo = await cli.run(['app:rollback', '-n', APP, '--to', '2', '--dry-run']);
    assert.equal(toTwo.code, 0, toTwo.stderr);
    assert.match(toTwo.stdout, new RegExp(`^secrets: release 2 ran with version ${deployed.releases[0]?.secretsVersion}; the current ones hold the same values$`, 'm'));
    assert.doesNotMatch(rollback.stdout + rollback.stderr, /\btwo\b/);
    const scale = await cli.run(['app:scale', '-n', APP, '3', '--dry-run']);
    assert.equal(scale.code, 0, scale.stderr);
    assert.match(scale.stdout, /lc-web: would scale from 1 to 3 task\(s\) \(dry run, nothing changed\)\n.*\nreplicas\s+1\s+3/);
    assert.equal(serviceVersion(APP), version, 'the service spec was not touched');
    assert.equal((await cli.json<Releases>(['app:releases', '-n', APP])).releases.length, 4);

    // A new app: it would be created, and the dry run neither creates nor claims it.
    const fresh = await cli.run(['app:deploy', '-n', 'lc-dry-new', '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--dry-run']);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /^lc-dry-new: would be created as release 1 \(dry run, nothing changed\)$/m);
    assert.match((await cli.run(['app:owners', '-n', 'lc-dry-new'])).stderr, /there is no app named lc-dry-new/);
  });

  it('rolls back to v1: v1\'s image and v1\'s secrets, recorded as a new release', async () => {
    const r = await cli.run(['app:rollback', '-n', APP, '--to', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /lc-web release 5 \(rollback of 1, localhost\/hello:1\) is live/);
    assert.match(r.stdout, /secrets restored to those of release 1 as version \S+/);
    assert.deepEqual(runningImageIds(APP, 5), [imageId('localhost/hello:1')]);
    const env = await cli.run(['app:exec', '-n', APP, '--', 'sh', '-c', 'echo "greeting=${GREETING-unset}"']);
    assert.equal(env.code, 0, env.stderr);
    assert.equal(env.stdout, 'greeting=unset\n', 'v1 ran before the secret was set');
    const { releases, live } = await cli.json<Releases>(['app:releases', '-n', APP]);
    const [newest] = releases;
    const first = releases.at(-1);
    assert.equal(live, 5);
    assert.equal(newest?.status, 'deployed');
    assert.deepEqual([newest?.note, newest?.rollbackOf, newest?.image], ['rollback of 1', 1, 'localhost/hello:1']);
    assert.equal(newest?.imageId, first?.imageId, 'the same image');
    assert.equal(newest?.secretsVersion, first?.secretsVersion, 'the same secrets version');
    // The current secrets say what runs, so the next deploy keeps it.
    const current = await cli.json<{ keys: unknown[] }>(['app:secrets', 'list', '-n', APP]);
    assert.deepEqual(current.keys, []);
  });

  it('app:run passes exit codes 0 and 3 through, streams the output and removes the job', async () => {
    assert.equal((await cli.run(['app:secrets', 'set', '-n', APP, 'GREETING=three', '--no-restart'])).code, 0);
    const ok = await cli.run(['app:run', '-n', APP, '--', 'sh', '-c', 'echo "hello $GREETING"']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'hello three\n', 'a job gets the current secrets');
    const three = await cli.run(['app:run', '-n', APP, '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
    assert.equal(three.code, 3, three.stderr);
    assert.equal(three.stdout, 'hi\n');
    assert.match(three.stderr, /^oops$/m);
    assert.match(three.stderr, /lc-web_run_\w+ exited with code 3/);
    const missing = await cli.run(['app:run', '-n', APP, '--', '/no/such-program']);
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /exit code 127 usually means "\/no\/such-program" was not found in the image/);
    assert.deepEqual(jobServices(APP), []);
    // Nor a finished container: it would keep the app's environment, GREETING=three included.
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=futuswarm.job.app=${APP}`], { encoding: 'utf8' }).trim();
    assert.equal(left, '', 'a job container was left behind');
  });

  it('app:logs prints every task\'s lines with its task and node', async () => {
    const r = await cli.run(['app:logs', '-n', APP, '--tail', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^lc-web\.1\.[a-z0-9]{12}@\S+ \| .*response:200$/m);
  });

  it('app:logs -f follows until Ctrl-C', async () => {
    const follow = start(cli, ['app:logs', '-n', APP, '-f', '--tail', '1']);
    const until = Date.now() + 20_000;
    // The health probe writes a line every two seconds.
    while (!/response:200/.test(await new Promise<string>((r) => setTimeout(() => r(follow.stdout()), 200)))) {
      assert.ok(Date.now() < until, 'no log line within 20 s');
    }
    follow.child.kill('SIGINT');
    const r = await follow.done;
    assert.equal(r.code, 130);
    assert.equal(r.stderr, '');
  });

  it('two deploys at once: the second fails at once, naming who holds the lock', async () => {
    const first = start(cli, ['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '2']);
    await first.waitFor(/rolling lc-web/);
    const began = Date.now();
    const second = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--json']);
    assert.equal(second.code, 1);
    assert.ok(Date.now() - began < 5000, 'fails fast instead of waiting');
    const { error } = JSON.parse(second.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, 'locked');
    assert.match(error.message, /^lc-web is locked by admin since \S+ \(a running app:deploy\)$/);
    const done = await first.done;
    assert.equal(done.code, 0, done.stderr);
    // --lock-wait waits for the holder instead.
    const waiting = start(cli, ['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1']);
    await waiting.waitFor(/rolling lc-web/);
    const waited = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '2', '--lock-wait', '60s']);
    assert.equal((await waiting.done).code, 0);
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stdout, /lc-web release \d+ \(localhost\/hello:2\) is live/);
  });

  it('app:lock blocks every change, the holder\'s too, until app:unlock', async () => {
    const locked = await cli.run(['app:lock', '-n', APP, '--message', 'db migration']);
    assert.equal(locked.code, 0, locked.stderr);
    assert.match(locked.stdout, /lc-web is locked by admin since \S+ \(app:lock: "db migration"\)/);
    const deploy = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1']);
    assert.equal(deploy.code, 1);
    assert.match(deploy.stderr, /error: lc-web is locked by admin since \S+ \(app:lock: "db migration"\)/);
    assert.match(deploy.stderr, /hint: it holds until someone runs futuswarm app:unlock -n lc-web, at the latest until /);
    const scale = await cli.run(['app:scale', '-n', APP, '2']);
    assert.match(scale.stderr, /locked by admin/);
    // The work the lock is for still runs.
    assert.equal((await cli.run(['app:run', '-n', APP, '--', 'true'])).code, 0);
    const status = await cli.json<{ locked: boolean; lock: { user: string; message: string } }>(['app:lock', '-n', APP, '--status']);
    assert.deepEqual([status.locked, status.lock.user, status.lock.message], [true, 'admin', 'db migration']);
    const unlocked = await cli.run(['app:unlock', '-n', APP]);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.match(unlocked.stdout, /^released: lc-web was locked by admin/);
    assert.deepEqual((await cli.json<{ locked: boolean }>(['app:lock', '-n', APP, '--status'])).locked, false);
  });

  it('restarts with fresh tasks as a new release, and scales without one', async () => {
    const before = await cli.json<Releases>(['app:releases', '-n', APP]);
    const restarted = await cli.run(['app:restart', '-n', APP]);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.match(restarted.stderr, /rolling lc-web from release \d+ to \d+/);
    const after = await cli.json<Releases>(['app:releases', '-n', APP]);
    assert.equal(after.releases[0]?.note, `restart of ${before.live}`);
    assert.equal(after.releases[0]?.imageId, before.releases[0]?.imageId);
    const scaled = await cli.run(['app:scale', '-n', APP, '2']);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stdout, /lc-web runs 2 task\(s\) \(was 1\)/);
    assert.equal((await cli.json<Releases>(['app:releases', '-n', APP])).releases.length, after.releases.length);
    const inspect = await cli.json<Inspect>(['app:inspect', '-n', APP]);
    assert.deepEqual(inspect.replicas, { running: 2, desired: 2 });
  });

  it('Ctrl-C in the middle of a deploy: Swarm finishes, the lock is released, deploying again is safe', async () => {
    const interrupted = start(cli, ['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1']);
    await interrupted.waitFor(/rolling lc-web/);
    interrupted.child.kill('SIGINT');
    const r = await interrupted.done;
    assert.equal(r.code, 130);
    assert.match(r.stderr, /error: interrupted: the rollout of lc-web goes on without this terminal; Swarm finishes it or rolls it back on its own/);
    assert.match(r.stderr, /hint: see where it stands: futuswarm app:inspect -n lc-web/);
    const again = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--lock-wait', '60s']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /lc-web is unchanged: release \d+ \(localhost\/hello:1\)|lc-web release \d+ \(localhost\/hello:1\) is live/);
    assert.deepEqual((await cli.json<{ locked: boolean }>(['app:lock', '-n', APP, '--status'])).locked, false);
    const inspect = await cli.json<Inspect>(['app:inspect', '-n', APP]);
    assert.deepEqual([inspect.image, inspect.replicas.running], ['localhost/hello:1', 2]);
    const { live, releases } = await cli.json<Releases>(['app:releases', '-n', APP]);
    assert.equal(releases.find((x) => x.n === live)?.image, 'localhost/hello:1', 'the interrupted release was recorded');
  });

  it('rolling back to a release whose image is gone says so and changes nothing', async () => {
    // An image of its own (not shared with hello:1), so removing it really removes it.
    const container = execFileSync('docker', ['create', 'localhost/hello:1'], { encoding: 'utf8', env: DOCKER_ENV }).trim();
    execFileSync('docker', ['commit', '--change', 'LABEL lc-gone=1', container, GONE_IMAGE], { env: DOCKER_ENV, stdio: 'ignore' });
    execFileSync('docker', ['rm', container], { env: DOCKER_ENV, stdio: 'ignore' });
    assert.equal((await cli.run(['app:deploy', '-n', GONE, '-i', 'localhost/lc-gone', '-t', '1', '--port', '8000'])).code, 0);
    assert.equal((await cli.run(['app:deploy', '-n', GONE, '-i', 'localhost/hello', '-t', '2'])).code, 0);
    // Gone for good: release 1's stopped containers no longer hold the image either.
    execFileSync('docker', ['rm', '-f', ...containers(GONE, 1)], { env: DOCKER_ENV, stdio: 'ignore' });
    execFileSync('docker', ['image', 'rm', GONE_IMAGE], { env: DOCKER_ENV, stdio: 'ignore' });
    const version = serviceVersion(GONE);
    const r = await cli.run(['app:rollback', '-n', GONE, '--json']);
    assert.equal(r.code, 1);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, 'not_found');
    assert.match(error.message, /^the image of release 1 of lc-gone \(localhost\/lc-gone:1, [0-9a-f]{12}\) is gone: neither the manager nor a registry has it$/);
    assert.equal(serviceVersion(GONE), version);
  });

  it('app:exec finds a running task and passes its exit code through', async () => {
    const r = await cli.run(['app:exec', '-n', APP, '-i', '--', 'sh', '-c', 'cat; exit 4'], { input: 'through stdin\n' });
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, 'through stdin\n');
    const missing = await cli.run(['app:exec', '-n', 'lc-nothing', '--', 'true']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /there is no app named lc-nothing/);
    assert.equal(serviceExists('lc-nothing'), false);
  });
});
