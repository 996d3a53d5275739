/**
 * Zero failed requests while an app changes: a steady ~50 requests/s through the real proxy
 * during a rolling deploy, a failing release that Swarm rolls back, and scaling up and down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { removeServiceIfExists } from '../helpers/docker.ts';
import { describeLoad, startLoad, type LoadReport } from '../helpers/load.ts';
import { DOMAIN, titleOf, waitForProxy, waitForStoppedTasks } from '../helpers/proxy.ts';

const APP = 'px-load';
const HOST = `${APP}.${DOMAIN}`;
/** Exits as soon as it gets SIGTERM, unlike busybox httpd as PID 1, which lingers until killed. */
const TERM_APP = 'px-term';

/** Runs `during` under load, then keeps the load on until Swarm has stopped every old task. */
async function underLoad(app: string, during: () => Promise<void>): Promise<LoadReport> {
  const load = startLoad({ host: `${app}.${DOMAIN}`, rate: 50, maxSeconds: 180 });
  let report: LoadReport | undefined;
  try {
    await during();
    await waitForStoppedTasks(app);
    // One more refresh of the proxy after the last task change.
    await new Promise((resolve) => setTimeout(resolve, 2000));
  } finally {
    report = await load.stop();
    process.stdout.write(`# ${describeLoad(report)}\n`);
    if (report.samples.length) process.stdout.write(`#   first failures: ${report.samples.join(', ')}\n`);
  }
  return report;
}

describe('zero failed requests through the proxy while an app changes', () => {
  let cli: CliSandbox;
  before(async () => {
    for (const s of [APP, TERM_APP]) removeServiceIfExists(s);
    cli = await localSandbox();
    const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--replicas', '2', '--health-path', '/healthz']);
    assert.equal(r.code, 0, r.stderr);
    await waitForProxy(HOST, (res) => res.status === 200 && titleOf(res.body) === 'hello v1', 5000);
  });
  after(() => {
    for (const s of [APP, TERM_APP]) removeServiceIfExists(s);
  });

  it('a healthy rolling deploy v1 → v2: no failed request, and answers switch from v1 to v2', async () => {
    const report = await underLoad(APP, async () => {
      const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '2']);
      assert.equal(r.code, 0, r.stderr);
    });
    assert.equal(report.truncated, false, 'the load must cover the whole deploy');
    assert.ok(report.sent >= 200, `only ${report.sent} requests`);
    assert.deepEqual(report.failures, {});
    assert.equal(report.failed, 0);
    assert.equal(report.runs[0]?.[0], 'hello v1');
    assert.equal(report.runs.at(-1)?.[0], 'hello v2');
    assert.deepEqual([...new Set(report.runs.map(([v]) => v))].sort(), ['hello v1', 'hello v2']);
  });

  it('a release that never becomes healthy is rolled back: no failed request, and v2 still serves', async () => {
    const report = await underLoad(APP, async () => {
      const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/broken', '-t', '1']);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /did not become healthy/);
    });
    assert.equal(report.truncated, false);
    assert.deepEqual(report.failures, {});
    assert.equal(report.failed, 0);
    assert.deepEqual(report.runs.map(([v]) => v), ['hello v2']);
  });

  it('scaling 1 → 3 → 1: no failed request', async () => {
    const down = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '2', '--replicas', '1']);
    assert.equal(down.code, 0, down.stderr);
    await waitForStoppedTasks(APP);
    const report = await underLoad(APP, async () => {
      for (const replicas of ['3', '1']) {
        const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '2', '--replicas', replicas]);
        assert.equal(r.code, 0, r.stderr);
        await waitForStoppedTasks(APP);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    });
    assert.equal(report.truncated, false);
    assert.deepEqual(report.failures, {});
    assert.equal(report.failed, 0);
    assert.deepEqual(report.runs.map(([v]) => v), ['hello v2']);
  });

  it('an app that exits at once on SIGTERM: a rolling deploy still drops nothing', async () => {
    const first = await cli.run(['app:deploy', '-n', TERM_APP, '-i', 'localhost/hello-term', '-t', '1', '--port', '8000', '--replicas', '2', '--health-path', '/healthz']);
    assert.equal(first.code, 0, first.stderr);
    await waitForProxy(`${TERM_APP}.${DOMAIN}`, (res) => res.status === 200, 5000);
    const report = await underLoad(TERM_APP, async () => {
      const r = await cli.run(['app:deploy', '-n', TERM_APP, '-i', 'localhost/hello-term', '-t', '2']);
      assert.equal(r.code, 0, r.stderr);
    });
    assert.equal(report.truncated, false);
    assert.deepEqual(report.failures, {});
    assert.equal(report.failed, 0);
    assert.equal(report.runs[0]?.[0], 'hello-term v1');
    assert.equal(report.runs.at(-1)?.[0], 'hello-term v2');
  });
});
