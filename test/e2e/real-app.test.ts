/**
 * A real application end to end, as a team would bring one: examples/notes (Python on a
 * minimal Debian image without curl, wget or nc) is created first, gets PostgreSQL and Redis
 * before any code runs, and is deployed with an HTTP health check; a note written through
 * the proxy goes through both, from inside the task. Also: the health probe on an image that
 * has no shell at all, and what a failing probe says.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localSandbox, REPO, type CliSandbox } from '../helpers/cli.ts';
import { DOMAIN, proxyRequest } from '../helpers/proxy.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const NOTES = `notes-${run}`;
const BARE = `bare-${run}`;
const NOTES_IMAGE = 'localhost/notes-example';
const BARE_IMAGE = 'localhost/no-shell';
const SERVICES_ADDR = process.env.FUTUSWARM_SERVICES_ADDR ?? '10.231.0.1';
const EXTRA_HOST = `${NOTES}.example.test`;

function runningContainer(app: string): string {
  const id = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${app}`], { encoding: 'utf8' }).trim().split('\n')[0];
  assert.ok(id, `no running container of ${app}`);
  return id;
}

/** An image with one static binary (busybox, never linked as sh) and a page: no /bin/sh to run a probe with. */
function buildShellLessImage(tag: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'fs-noshell-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'www'));
  execFileSync('cp', ['/bin/busybox', join(dir, 'bin', 'busybox')]);
  writeFileSync(join(dir, 'www', 'healthz'), 'ok\n');
  writeFileSync(join(dir, 'www', 'index.html'), '<title>no shell</title>\n');
  const tar = execFileSync('tar', ['-C', dir, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], { maxBuffer: 64 << 20 });
  execFileSync('docker', ['import', '--change', 'CMD ["/bin/busybox","httpd","-f","-p","8000","-h","/www"]', '-', tag], { input: tar });
  rmSync(dir, { recursive: true, force: true });
}

describe('a real app with a database and a cache', () => {
  let cli: CliSandbox;

  before(async () => {
    cli = await localSandbox();
    // The base image is made offline and cached (scripts/debian-image.sh); the app image like any team's.
    execFileSync('bash', [join(REPO, 'scripts/debian-image.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('docker', ['build', '-q', '-t', `${NOTES_IMAGE}:1`, join(REPO, 'examples/notes')], { stdio: ['ignore', 'ignore', 'inherit'] });
    buildShellLessImage(`${BARE_IMAGE}:1`);
  });
  after(async () => {
    await cli.run(['db:destroy', '-n', NOTES, '--confirm', NOTES]);
    await cli.run(['cache:destroy', '-n', NOTES, '--confirm', NOTES]);
    await removeApps(cli, NOTES, BARE);
  });

  it('app:create makes an app that exists before any code: listed as created, owned by its creator', async () => {
    const created = await cli.json<{ app: string; owners: string[]; url: string }>(['app:create', '-n', NOTES]);
    assert.deepEqual({ app: created.app, owners: created.owners, url: created.url }, { app: NOTES, owners: ['admin'], url: `http://${NOTES}.${DOMAIN}` });
    const again = await cli.run(['app:create', '-n', NOTES]);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, new RegExp(`an app named ${NOTES} already exists \\(created by admin at `));
    const list = await cli.json<{ apps: { app: string; deployed: boolean; running: number; release: number; updatedAt: string }[] }>(['app:list']);
    const listed = list.apps.find((a) => a.app === NOTES);
    assert.deepEqual({ ...listed, updatedAt: undefined }, { app: NOTES, release: 0, image: '', running: 0, desired: 0, url: created.url, updatedAt: undefined, deployed: false });
    assert.ok(Date.now() - Date.parse(listed?.updatedAt ?? '') < 120_000, 'a created app is listed with when it was created');
    const table = await cli.run(['app:list']);
    assert.match(table.stdout, new RegExp(`${NOTES}\\s+-\\s+\\(created, not deployed\\)`));
    const inspect = await cli.run(['app:inspect', '-n', NOTES]);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, /has not been deployed yet \(created by admin/);
    const remove = await cli.run(['app:remove', '-n', NOTES, '--confirm', NOTES]);
    assert.equal(remove.code, 2, remove.stderr);
    assert.match(remove.stderr, /never been deployed.*\n.*--purge --confirm/s);
  });

  it('a database, a cache, a secret and a domain attach before the first deploy; nothing restarts', async () => {
    const db = await cli.json<{ host: string; restarted: boolean }>(['db:create', '-n', NOTES]);
    assert.deepEqual({ host: db.host, restarted: db.restarted }, { host: SERVICES_ADDR, restarted: false });
    const twice = await cli.run(['db:create', '-n', NOTES]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, new RegExp(`${NOTES} already has a database: app_notes_${run} on ${SERVICES_ADDR.replace(/\./g, '\\.')}:`));
    const cache = await cli.json<{ restarted: boolean }>(['cache:create', '-n', NOTES]);
    assert.equal(cache.restarted, false);
    const cacheTwice = await cli.run(['cache:create', '-n', NOTES]);
    assert.equal(cacheTwice.code, 1);
    assert.match(cacheTwice.stderr, /already has a cache on /);
    assert.equal((await cli.run(['app:secrets', 'set', '-n', NOTES, 'GREETING=hello'])).code, 0);
    const domains = await cli.json<{ domains: string[] }>(['app:domains', 'add', '-n', NOTES, EXTRA_HOST]);
    assert.deepEqual(domains.domains, [EXTRA_HOST]);
    const owners = await cli.run(['app:owners', 'add', '-n', NOTES, 'alice']);
    assert.equal(owners.code, 0, owners.stderr);
  });

  it('the first deploy starts with everything present and passes its HTTP health check without curl, wget or nc', async () => {
    const r = await cli.run(['app:deploy', '-n', NOTES, '-i', NOTES_IMAGE, '-t', '1', '--port', '8000', '--health-path', '/healthz', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const env = execFileSync('docker', ['inspect', '--format', '{{json .Config.Env}}', runningContainer(NOTES)], { encoding: 'utf8' });
    const urls = (JSON.parse(env) as string[]).filter((e) => /^(DATABASE_URL|REDIS_URL)=/.test(e));
    assert.equal(urls.length, 2);
    for (const url of urls) assert.equal(new URL(url.slice(url.indexOf('=') + 1)).hostname, SERVICES_ADDR, 'tasks reach the data services there, not at 127.0.0.1');
    // The image really has none of the tools the probe once needed.
    const tools = execFileSync('docker', ['run', '--rm', '--entrypoint', 'sh', `${NOTES_IMAGE}:1`, '-c', 'command -v curl wget nc || echo none'], { encoding: 'utf8' }).trim();
    assert.equal(tools, 'none');
  });

  it('a note written through the proxy goes through PostgreSQL and Redis and reads back, on the extra domain too', async () => {
    const host = `${NOTES}.${DOMAIN}`;
    const body = `note ${run}`;
    // The local cluster's one Redis stands in for every app's own cache: count from what is there.
    const before = await proxyRequest(host, '/notes');
    assert.equal(before.status, 200, before.body);
    const { notes, writes } = JSON.parse(before.body) as { notes: unknown[]; writes: number };
    assert.deepEqual(notes, []);
    const written = await proxyRequest(host, '/notes', { method: 'POST', body });
    assert.equal(written.status, 201, written.body);
    assert.deepEqual(JSON.parse(written.body), { id: 1, body, writes: writes + 1 });
    const read = await proxyRequest(EXTRA_HOST, '/notes');
    assert.equal(read.status, 200, read.body);
    assert.deepEqual(JSON.parse(read.body), { notes: [{ id: 1, body }], writes: writes + 1, last: body });
  });

  it('a health path that fails says the URL it tried and what it got; the running release keeps serving', async () => {
    const r = await cli.run(['app:deploy', '-n', NOTES, '-i', NOTES_IMAGE, '-t', '1', '--health-path', '/nope', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const error = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } };
    assert.equal(error.error.code, 'deploy_failed');
    assert.match(error.error.message, /the health check \(GET \/nope on port 8000\) failed on task \w+: GET http:\/\/127\.0\.0\.1:8000\/nope answered 404 Not Found/);
    assert.match(error.error.hint, /must answer 2xx or 3xx to GET \/nope on port 8000/);
    const read = await proxyRequest(`${NOTES}.${DOMAIN}`, '/notes');
    assert.equal(read.status, 200, read.body);
  });

  it('an image without any shell passes an HTTP health check', async () => {
    assert.throws(() => execFileSync('docker', ['run', '--rm', `${BARE_IMAGE}:1`, '/bin/sh', '-c', 'true'], { stdio: 'pipe' }), /no such file or directory/i);
    const r = await cli.run(['app:deploy', '-n', BARE, '-i', BARE_IMAGE, '-t', '1', '--port', '8000', '--health-path', '/healthz']);
    assert.equal(r.code, 0, r.stderr);
    const health = execFileSync('docker', ['inspect', '--format', '{{.State.Health.Status}}', runningContainer(BARE)], { encoding: 'utf8' }).trim();
    assert.equal(health, 'healthy');
  });
});
