/**
 * Apps are apart on the network (src/core/app-networks.ts), as seen from inside their tasks:
 * an --internal app is reachable by name only from the apps linked to it (app:link, which takes
 * an owner of both), another app cannot reach it at all, and no app reaches the proxy's API.
 * The probe that every task with a health path has mounted (futuswarm-probe) asks the URLs
 * from inside a running task of the app. The proxy itself reads Docker only through the
 * resident agent's socket for it, which lets reads through and nothing else.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { dockerJson, serviceVersion, until } from '../helpers/docker.ts';
import { rigUserKeyFile } from '../helpers/ldap.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const API = `iso-api-${run}`;
const WEB = `iso-web-${run}`;
const OTHER = `iso-other-${run}`;

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

/** GET `url` from inside a running task of `app`: whether it answered, and the probe's words. */
function getFromTask(app: string, url: string): { answered: boolean; status: number | undefined; text: string } {
  const id = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${app}`], { encoding: 'utf8' }).trim().split('\n')[0];
  assert.ok(id, `a running task of ${app}`);
  const r = spawnSync('docker', ['exec', id, '/.futuswarm/futuswarm-probe', '-timeout', '3', url], { encoding: 'utf8' });
  const text = `${r.stdout}${r.stderr}`.trim();
  const status = /answered (\d{3})/.exec(text)?.[1];
  // The probe says nothing when it got a 2xx, and exits 0.
  return { answered: r.status === 0 || status !== undefined, status: r.status === 0 ? 200 : status ? Number(status) : undefined, text };
}

function networksOf(app: string): string[] {
  const [service] = dockerJson<{ Spec: { TaskTemplate: { Networks?: { Target: string }[] } } }[]>(['service', 'inspect', app]);
  const ids = (service?.Spec.TaskTemplate.Networks ?? []).map((n) => n.Target);
  return ids.map((id) => dockerJson<{ Name: string }[]>(['network', 'inspect', id])[0]!.Name).sort();
}

function networkExists(name: string): boolean {
  return execFileSync('docker', ['network', 'ls', '--filter', `name=${name}`, '--format', '{{.Name}}'], { encoding: 'utf8' }).split('\n').includes(name);
}

/** The proxy task's address on the proxy network: where an app on that network would find it. */
function proxyOverlayAddress(): string {
  const id = execFileSync('docker', ['ps', '-q', '--filter', 'label=futuswarm.proxy=true'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  const [c] = dockerJson<{ NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }[]>(['inspect', id]);
  const address = c?.NetworkSettings.Networks['futuswarm-proxy']?.IPAddress;
  assert.ok(address, 'the proxy task has an address on futuswarm-proxy');
  return address;
}

/** The directory of the resident agent's Docker socket for the proxy, on this machine. */
const PROXY_DOCKER_DIR = '/run/futuswarm/docker';

function askProxySocket(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: `${PROXY_DOCKER_DIR}/docker.sock`, method, path, headers: { host: 'docker' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('apps are apart on the network', () => {
  let admin: CliSandbox;
  let alice: CliSandbox;

  before(async () => {
    [admin, alice] = await Promise.all([localSandbox(), localSandbox({ identityFile: rigUserKeyFile('alice') })]);
    const deploy = (app: string, ...extra: string[]) =>
      admin.run(['app:deploy', '-n', app, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--health-path', '/healthz', ...extra]);
    const results = await Promise.all([deploy(API, '--internal'), deploy(WEB), deploy(OTHER)]);
    results.forEach((r, i) => ok(r, `deploy ${[API, WEB, OTHER][i]}`));
    ok(await admin.run(['app:owners', 'add', '-n', WEB, 'alice']), 'alice owns the web app');
  });

  after(async () => {
    await admin.run(['app:unlink', '-n', WEB, '--from', API]);
    // Their networks stay, as every app's does (src/agent/app-networks.ts).
    await removeApps(admin, WEB, OTHER, API);
  });

  it('each app has a network of its own; only an app with a route is on the proxy network', () => {
    assert.deepEqual(networksOf(API), [`futuswarm-app-${API}`]);
    assert.deepEqual(networksOf(WEB), [`futuswarm-app-${WEB}`, 'futuswarm-proxy']);
  });

  it('an app reaches itself by name, and no app reaches the internal app', () => {
    assert.equal(getFromTask(WEB, `http://${WEB}:8000/healthz`).status, 200);
    // Apps with a route share the proxy network, so they do reach each other there: they are
    // public through the proxy anyway (docs/proxy.md).
    for (const [from, to] of [[WEB, API], [OTHER, API]] as const) {
      const got = getFromTask(from, `http://${to}:8000/healthz`);
      assert.equal(got.answered, false, `${from} must not reach ${to}: ${got.text}`);
    }
  });

  it("no app reaches the proxy's API, although it reaches the proxy on the proxy network", () => {
    const proxy = proxyOverlayAddress();
    for (const path of ['/api/version', '/api/rawdata', '/api/http/routers']) {
      assert.equal(getFromTask(WEB, `http://${proxy}:8082${path}`).status, 403, path);
    }
  });

  it("the proxy reads Docker through the agent's socket: reads only, without the apps' environments", async () => {
    const [proxy] = dockerJson<{ Spec: { TaskTemplate: { ContainerSpec: { Mounts: { Source: string; ReadOnly: boolean }[] } } } }[]>(['service', 'inspect', 'futuswarm-proxy']);
    assert.deepEqual(proxy!.Spec.TaskTemplate.ContainerSpec.Mounts.map((m) => [m.Source, m.ReadOnly]), [[PROXY_DOCKER_DIR, true]]);
    const services = await askProxySocket('GET', '/v1.41/services');
    assert.equal(services.status, 200);
    const web = (JSON.parse(services.body) as { Spec: { Name: string; TaskTemplate: { ContainerSpec: Record<string, unknown> } } }[]).find((s) => s.Spec.Name === WEB);
    assert.ok(web, 'the proxy sees the app');
    assert.equal('Env' in web.Spec.TaskTemplate.ContainerSpec, false);
    for (const [method, path] of [['POST', '/v1.41/services/create'], ['GET', '/v1.41/containers/json'], ['DELETE', `/v1.41/services/${WEB}`], ['GET', '/v1.41/secrets']] as const) {
      const refused = await askProxySocket(method, path);
      assert.equal(refused.status, 403, `${method} ${path}`);
      assert.match(refused.body, /the proxy may only read services, tasks, networks and nodes/);
    }
    assert.ok(serviceVersion(WEB) > 0, 'the app is still there');
  });

  it('a link takes an owner of both apps: alice owns only the web app and is refused; nothing changes', async () => {
    const version = serviceVersion(WEB);
    const refused = await alice.run(['app:link', '-n', WEB, '--to', API]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`forbidden: linking ${WEB} to ${API} lets ${WEB} reach ${API}, so it takes an owner of both`));
    assert.equal(serviceVersion(WEB), version);
    const unknown = await admin.run(['app:link', '-n', WEB, '--to', `iso-none-${run}`]);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, /there is no app named iso-none-/);
    const bad = await admin.run(['app:link', '-n', WEB, '--to', 'Not_An_App']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--to/);
    assert.equal(serviceVersion(WEB), version);
  });

  it('once linked, the web app reaches the internal app by name; the other app still does not', async () => {
    const linked = await admin.json<{ links: string[]; changed: boolean; release: number }>(['app:link', '-n', WEB, '--to', API]);
    assert.deepEqual([linked.links, linked.changed], [[API], true]);
    assert.deepEqual(networksOf(WEB), [`futuswarm-app-${API}`, `futuswarm-app-${WEB}`, 'futuswarm-proxy'].sort());
    // The rolled-out task is the one asked; DNS for the new network answers within a moment.
    await until(`${WEB} reaches ${API}`, () => getFromTask(WEB, `http://${API}:8000/healthz`).status === 200, 15_000);
    assert.equal(getFromTask(OTHER, `http://${API}:8000/healthz`).answered, false);
    const inspect = await admin.json<{ linkedFrom: string[]; settings: { links?: string[] } }>(['app:inspect', '-n', API]);
    assert.deepEqual(inspect.linkedFrom, [WEB]);
    const links = await admin.json<{ links: string[]; linkedFrom: string[]; changed: boolean }>(['app:links', '-n', WEB]);
    assert.deepEqual(links, { app: WEB, links: [API], linkedFrom: [], changed: false });
    // A second link changes nothing.
    const version = serviceVersion(WEB);
    assert.equal((await admin.json<{ changed: boolean }>(['app:link', '-n', WEB, '--to', API])).changed, false);
    assert.equal(serviceVersion(WEB), version);
  });

  it('an app that others link to is not removed; unlinked, it is removed, and a new app of its name gets its network', async () => {
    const refused = await admin.run(['app:remove', '-n', API, '--confirm', API]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`${API} cannot be removed while ${WEB} links to it`));
    assert.match(refused.stderr, new RegExp(`futuswarm app:unlink -n ${WEB} --from ${API}`));
    ok(await admin.run(['app:unlink', '-n', WEB, '--from', API]), 'unlink');
    assert.deepEqual(networksOf(WEB), [`futuswarm-app-${WEB}`, 'futuswarm-proxy']);
    await until(`${WEB} no longer reaches ${API}`, () => !getFromTask(WEB, `http://${API}:8000/healthz`).answered, 15_000);
    ok(await admin.run(['app:remove', '-n', API, '--purge', '--confirm', API]), 'remove');
    // Never removed: Docker 20.10 mishandles removed overlay networks (src/agent/app-networks.ts).
    assert.equal(networkExists(`futuswarm-app-${API}`), true);
    ok(await admin.run(['app:deploy', '-n', API, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--internal']), 'a new app of the same name');
    assert.deepEqual(networksOf(API), [`futuswarm-app-${API}`]);
  });
});
