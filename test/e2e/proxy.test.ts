/**
 * Routing through the real proxy: Traefik v3 on the local swarm, driven only by the labels
 * app:deploy puts on services. Requests go to the proxy's host port on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { removeServiceIfExists } from '../helpers/docker.ts';
import { DOMAIN, proxyGet, titleOf, waitForProxy } from '../helpers/proxy.ts';

const ONE = 'px-one';
const TWO = 'px-two';
/** The local cluster polls every 1s and applies changes at most every 1s; allow a margin. */
const ROUTE_WITHIN_MS = 4000;

/** The running proxy container's ID on this engine, or ''. */
const proxyContainer = () =>
  execFileSync('docker', ['ps', '-q', '--filter', 'label=com.docker.swarm.service.name=futuswarm-proxy', '--filter', 'status=running'], { encoding: 'utf8' }).trim();

async function waitFor(ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface RoutesView {
  proxy: string;
  routes: { name: string; rule: string; status: string }[];
  servers: { url: string; status: string; task?: string }[];
  healthCheck?: { path: string };
}

describe('routing through the proxy', () => {
  let cli: CliSandbox;
  before(async () => {
    for (const s of [ONE, TWO]) removeServiceIfExists(s);
    cli = await localSandbox();
    const r = await cli.run(['admin', 'proxy:deploy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^futuswarm-proxy .*HTTP on port \d+,? on 1 manager\(s\)$/m);
  });
  after(() => {
    for (const s of [ONE, TWO]) removeServiceIfExists(s);
  });

  it('a deployed app answers through the proxy within the refresh interval', async () => {
    const r = await cli.run(['app:deploy', '-n', ONE, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--health-path', '/healthz']);
    assert.equal(r.code, 0, r.stderr);
    const ms = await waitForProxy(`${ONE}.${DOMAIN}`, (res) => res.status === 200 && titleOf(res.body) === 'hello v1', ROUTE_WITHIN_MS);
    process.stdout.write(`# ${ONE} routed ${ms}ms after app:deploy returned\n`);
  });

  it('two apps, each routed to its own tasks; an unknown host is 404', async () => {
    const r = await cli.run(['app:deploy', '-n', TWO, '-i', 'localhost/hello', '-t', '2', '--port', '8000', '--replicas', '2', '--health-path', '/healthz']);
    assert.equal(r.code, 0, r.stderr);
    await waitForProxy(`${TWO}.${DOMAIN}`, (res) => res.status === 200, ROUTE_WITHIN_MS);
    for (let i = 0; i < 10; i++) {
      assert.equal(titleOf((await proxyGet(`${ONE}.${DOMAIN}`)).body), 'hello v1');
      assert.equal(titleOf((await proxyGet(`${TWO}.${DOMAIN}`)).body), 'hello v2');
    }
    // Host matching ignores case, as DNS does.
    assert.equal(titleOf((await proxyGet(`PX-ONE.${DOMAIN.toUpperCase()}`)).body), 'hello v1');
    assert.equal((await proxyGet(`nobody.${DOMAIN}`)).status, 404);
    assert.equal((await proxyGet(`${ONE}.example.com`)).status, 404);
  });

  it('app:inspect shows the routes and the health of each task as the proxy sees them', async () => {
    const inspect = await cli.json<{ routes: RoutesView; tasks: { id: string; desiredState: string }[] }>(['app:inspect', '-n', TWO]);
    assert.equal(inspect.routes.proxy, 'ok');
    assert.deepEqual(inspect.routes.routes.map((r) => [r.name, r.rule, r.status]), [[`${TWO}@swarm`, `Host(\`${TWO}.${DOMAIN}\`)`, 'enabled']]);
    assert.equal(inspect.routes.servers.length, 2);
    const running = inspect.tasks.filter((t) => t.desiredState === 'running').map((t) => t.id).sort();
    assert.deepEqual(inspect.routes.servers.map((s) => s.task).sort(), running);
    assert.ok(inspect.routes.servers.every((s) => /^http:\/\/10\.\d+\.\d+\.\d+:8000$/.test(s.url)), JSON.stringify(inspect.routes.servers));
    assert.equal(inspect.routes.healthCheck?.path, '/healthz');
    // Traefik probes the servers every 2s; by now each has been checked at least once.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const later = await cli.json<{ routes: RoutesView }>(['app:inspect', '-n', TWO]);
    assert.deepEqual(later.routes.servers.map((s) => s.status), ['UP', 'UP']);
    const human = await cli.run(['app:inspect', '-n', TWO]);
    assert.match(human.stdout, /^routes:\n {2}ROUTER +RULE +STATUS\n {2}px-two@swarm +Host\(`px-two\.apps\.local\.test`\) +enabled$/m);
    assert.match(human.stdout, /^ {2}http:\/\/10\.[\d.]+:8000 +UP +[0-9a-z]{12}$/m);
  });

  it('admin proxy:status lists every route with its servers', async () => {
    const status = await cli.json<{ deployed: boolean; upToDate: boolean; api: { reachable: boolean }; routes: { router: string; serversUp: number; servers: number }[] }>(['admin', 'proxy:status']);
    assert.equal(status.deployed, true);
    assert.equal(status.upToDate, true);
    assert.equal(status.api.reachable, true);
    const mine = status.routes.filter((r) => r.router === `${ONE}@swarm` || r.router === `${TWO}@swarm`).map((r) => [r.router, r.serversUp, r.servers]);
    assert.deepEqual(mine, [[`${ONE}@swarm`, 1, 1], [`${TWO}@swarm`, 2, 2]]);
    const human = await cli.run(['admin', 'proxy:status']);
    assert.match(human.stdout, /^px-one@swarm +Host\(`px-one\.apps\.local\.test`\) +enabled +1\/1$/m);
  });

  it('a removed app is gone from the proxy (404); the other app is unaffected', async () => {
    const r = await cli.run(['app:remove', '-n', ONE, '--confirm', ONE]);
    assert.equal(r.code, 0, r.stderr);
    const ms = await waitForProxy(`${ONE}.${DOMAIN}`, (res) => res.status === 404, ROUTE_WITHIN_MS);
    process.stdout.write(`# ${ONE} route gone ${ms}ms after app:remove returned\n`);
    for (let i = 0; i < 10; i++) assert.equal(titleOf((await proxyGet(`${TWO}.${DOMAIN}`)).body), 'hello v2');
  });

  it('proxy:deploy of an unchanged proxy is not failed by crashes from before it ran', async () => {
    // Three crashes of the running proxy (as a restarted daemon leaves behind); Swarm restarts it.
    for (let i = 0; i < 3; i++) {
      const before = proxyContainer();
      execFileSync('docker', ['kill', before]);
      await waitFor(() => { const now = proxyContainer(); return now !== '' && now !== before; }, 30_000);
    }
    const failedTasks = execFileSync('docker', ['service', 'ps', '-q', '--filter', 'desired-state=shutdown', 'futuswarm-proxy'], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(failedTasks.length >= 3, 'the crashes are in the service history');
    const r = await cli.run(['admin', 'proxy:deploy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /on 1 manager\(s\)$/m);
    assert.doesNotMatch(r.stderr, /failed/, 'old failures are not reported as news');
  });

  it('a new manager deploys the proxy itself at first boot (futuswarm-agent proxy:ensure), and finds it unchanged later', async () => {
    const agent = '/opt/futuswarm/bin/futuswarm-agent';
    execFileSync('docker', ['service', 'rm', 'futuswarm-proxy']);
    await waitFor(() => proxyContainer() === '', 30_000);
    const created = execFileSync(agent, ['proxy:ensure'], { encoding: 'utf8' });
    assert.match(created, /^futuswarm-proxy deployed: \S+, HTTP on port \d+, 1 task\(s\)$/m);
    await waitForProxy(`${TWO}.${DOMAIN}`, (res) => titleOf(res.body) === 'hello v2', 10_000);
    assert.match(execFileSync(agent, ['proxy:ensure'], { encoding: 'utf8' }), /^futuswarm-proxy unchanged: /m);
  });
});
