/**
 * What the cluster survives, on several real nodes (scripts/local-cluster.sh up --workers 3):
 * a steady load of requests through the proxy on the manager, while an app with 3 replicas on 3
 * nodes is updated, while a worker is drained, and while a worker is lost abruptly (every
 * process of it killed and its link cut, as a machine that dies). The figures are printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { removeImagesNamed } from '../helpers/docker.ts';
import { describeLoad, startLoad, type LoadReport } from '../helpers/load.ts';
import { DOMAIN, proxyGet, titleOf, waitForProxy, waitForStoppedTasks } from '../helpers/proxy.ts';
import { localNode, nodeOf, proxiedBackends, rigUp, runningTasks, until } from '../helpers/rig.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `mn-${run}`;
const HOST = `${APP}.${DOMAIN}`;

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

/** Runs `during` under ~50 requests/s, keeps the load on until the old tasks stopped, reports. */
async function underLoad(what: string, during: () => Promise<void>): Promise<LoadReport> {
  const load = startLoad({ host: HOST, rate: 50, maxSeconds: 200 });
  let report: LoadReport | undefined;
  try {
    await during();
    await waitForStoppedTasks(APP, 90_000);
    // One more refresh of the proxy after the last task change.
    await new Promise((resolve) => setTimeout(resolve, 2000));
  } finally {
    report = await load.stop();
    process.stdout.write(`# ${what}: ${describeLoad(report)}\n`);
    if (report.samples.length) process.stdout.write(`#   first failures: ${report.samples.join(', ')}\n`);
  }
  return report;
}

describe('several nodes: rolling deploy, drain and node loss under load', () => {
  let cli: CliSandbox;

  before(async () => {
    rigUp({ workers: 3 });
    cli = await localSandbox();
    // Nodes get the image only from the cluster registry.
    ok(await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello:1', '--push', '--port', '8000', '--replicas', '3', '--health-path', '/healthz']), 'deploy v1');
    await waitForProxy(HOST, (r) => r.status === 200 && titleOf(r.body) === 'hello v1', 10_000);
  });

  after(async () => {
    await removeApps(cli, APP);
    rigUp({ workers: 0 });
    removeImagesNamed(APP);
  });

  it('spreads 3 replicas over 3 nodes, and the proxy on the manager reaches every one of them', async () => {
    const tasks = await runningTasks(APP);
    assert.equal(tasks.length, 3, JSON.stringify(tasks));
    assert.equal(new Set(tasks.map((t) => t.node)).size, 3, `one task per node: ${JSON.stringify(tasks)}`);
    assert.ok(tasks.filter((t) => nodeOf(t.node)?.[0] === 'worker').length >= 2, `tasks on workers: ${JSON.stringify(tasks)}`);
    const since = new Date(Date.now() - 1000);
    for (let i = 0; i < 30; i++) {
      assert.equal((await proxyGet(HOST)).status, 200);
    }
    await until('the proxy logged every backend', () => {
      const backends = proxiedBackends(since);
      return tasks.every((t) => backends.has(`http://${t.ip}:8000`));
    }, 10_000, 500);
  });

  it('a rolling deploy over the nodes fails no request', async () => {
    const report = await underLoad('rolling deploy v1 → v2', async () => {
      ok(await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello:2', '--push']), 'deploy v2');
    });
    assert.equal(report.truncated, false);
    assert.deepEqual(report.failures, {});
    assert.equal(report.runs.at(-1)?.[0], 'hello v2');
  });

  it('draining a worker fails no request, empties it, and the app runs 3/3 elsewhere; activate takes it back', async () => {
    const worker = (await runningTasks(APP)).find((t) => nodeOf(t.node)?.[0] === 'worker')!.node;
    const report = await underLoad(`drain ${worker}`, async () => {
      ok(await cli.run(['admin', 'node:drain', worker]), 'drain');
    });
    assert.deepEqual(report.failures, {});
    const tasks = await runningTasks(APP);
    assert.equal(tasks.length, 3);
    assert.ok(!tasks.some((t) => t.node === worker), `nothing of the app on ${worker}: ${JSON.stringify(tasks)}`);
    ok(await cli.run(['admin', 'node:activate', worker]), 'activate');
  });

  it('losing a worker abruptly fails a bounded number of requests, and its replica runs again elsewhere', async () => {
    const before = await runningTasks(APP);
    const lost = before.find((t) => nodeOf(t.node)?.[0] === 'worker')!.node;
    const [kind, n] = nodeOf(lost)!;
    const load = startLoad({ host: HOST, rate: 50, maxSeconds: 200 });
    let report: LoadReport;
    let recoveredMs: number;
    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      localNode('kill', kind, n);
      recoveredMs = await until('3 replicas run on the nodes that are left', async () => {
        const tasks = await runningTasks(APP);
        return tasks.length === 3 && !tasks.some((t) => t.node === lost);
      }, 120_000, 500);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    } finally {
      report = await load.stop();
      process.stdout.write(`# lose ${lost}: ${describeLoad(report)}\n`);
      if (report.samples.length) process.stdout.write(`#   first failures: ${report.samples.join(', ')}\n`);
    }
    process.stdout.write(`# lose ${lost}: replicas 3/3 again after ${(recoveredMs / 1000).toFixed(1)} s, ${report.failed} of ${report.sent} requests failed\n`);
    // Only requests on their way to the lost task in the first moment may fail: the proxy's retry
    // and passive health check send the rest to the tasks that answer (docs/proxy.md).
    assert.ok(report.failed <= report.sent / 20, `failed ${report.failed} of ${report.sent}`);
    // Once the replicas run again, every request answers.
    const steady = startLoad({ host: HOST, rate: 50, maxSeconds: 30 });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const afterwards = await steady.stop();
    process.stdout.write(`# after the loss: ${describeLoad(afterwards)}\n`);
    assert.deepEqual(afterwards.failures, {});
    localNode('down', kind, n);
  });
});
