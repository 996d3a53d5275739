/**
 * What the cluster survives, in figures: a steady ~50 requests/s through the proxy on the
 * manager while an app with 3 replicas on 3 workers is updated, while a worker is drained, and
 * while a worker is lost abruptly (scripts/local-node.sh kill: its link cut, every process of it
 * killed). The baseline is what a user would otherwise run: the same image as a plain service,
 * created and changed with the docker CLI (Swarm's defaults, routed by the same proxy).
 * Prints a table, then the ratio of failed requests (futuswarm / docker CLI).
 * Usage: npm run bench:resilience
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { kmsKeyService } from '../src/aws/kms.ts';
import { s3ObjectStore } from '../src/aws/state-store.ts';
import { RegistryCredentialStore } from '../src/state/registry-credentials.ts';
import { localSandbox } from '../test/helpers/cli.ts';
import { describeLoad, startLoad, type LoadReport } from '../test/helpers/load.ts';
import { DOMAIN, proxyGet, waitForStoppedTasks } from '../test/helpers/proxy.ts';
import { localNode, nodeOf, rigUp, runningTasks, until } from '../test/helpers/rig.ts';

const run = Date.now().toString(36);
const APP = `rs-${run}`;
const BASE = `rs-base-${run}`;
const DOCKER_ENV = { ...process.env, DOCKER_API_VERSION: '1.41' };
const docker = (args: string[], env: NodeJS.ProcessEnv = DOCKER_ENV) => execFileSync('docker', args, { encoding: 'utf8', env }).trim();
/** While a load runs, commands run asynchronously: a blocked event loop would delay its requests. */
const dockerAsync = async (args: string[], env: NodeJS.ProcessEnv = DOCKER_ENV) => (await promisify(execFile)('docker', args, { encoding: 'utf8', env })).stdout.trim();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row { event: string; futuswarm: LoadReport; baseline: LoadReport; note: string }

/** The cluster registry's login, as an admin on the manager can read it from the state bucket. */
async function registryLogin(): Promise<{ username: string; password: string }> {
  for (const line of readFileSync('/etc/futuswarm/agent.env', 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) process.env[line.slice(0, at)] = line.slice(at + 1);
  }
  const config = parseYaml(readFileSync('/etc/futuswarm/agent.yaml', 'utf8')) as { cluster: string; state: { bucket: string; kmsKeyId: string } };
  const store = new RegistryCredentialStore({ store: s3ObjectStore(config.state.bucket), keys: kmsKeyService(config.state.kmsKeyId), cluster: config.cluster });
  const { username, password } = await store.read();
  return { username, password };
}

async function underLoad(host: string, during: () => Promise<void>, settle: () => Promise<void>): Promise<LoadReport> {
  const load = startLoad({ host, rate: 50, maxSeconds: 240 });
  try {
    await during();
    await settle();
    await sleep(2000);
  } catch (e) {
    await load.stop();
    throw e;
  }
  return load.stop();
}

const workerOf = async (service: string, not?: string) => (await runningTasks(service)).map((t) => t.node).find((n) => nodeOf(n)?.[0] === 'worker' && n !== not)!;

rigUp({ workers: 3 });
const cli = await localSandbox();
const dockerConfig = mkdtempSync(join(tmpdir(), 'futuswarm-bench-resilience-'));
const rows: Row[] = [];
try {
  // futuswarm: its deploy (start-first, health-gated, proxy health check and retry).
  const deploy = async (tag: string, more: string[] = []) => {
    const r = await cli.run(['app:deploy', '-n', APP, '-i', `localhost/hello:${tag}`, '--push', '--json', ...more]);
    if (r.code !== 0) throw new Error(`app:deploy failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { image: string }).image;
  };
  const v1 = await deploy('1', ['--port', '8000', '--replicas', '3', '--health-path', '/healthz']);
  // The baseline: the same image, pulled with the registry's login, as a plain service.
  const login = await registryLogin();
  const env = { ...DOCKER_ENV, DOCKER_CONFIG: dockerConfig };
  execFileSync('docker', ['login', '127.0.0.1:5000', '-u', login.username, '--password-stdin'], { input: login.password, env, stdio: ['pipe', 'ignore', 'ignore'] });
  docker(['service', 'create', '--quiet', '--with-registry-auth', '--name', BASE, '--replicas', '3', '--network', 'futuswarm-proxy', '--endpoint-mode', 'dnsrr',
    '--constraint', 'node.role==worker',
    '--label', 'traefik.enable=true', '--label', 'traefik.swarm.network=futuswarm-proxy',
    '--label', `traefik.http.routers.${BASE}.rule=Host(\`${BASE}.${DOMAIN}\`)`, '--label', `traefik.http.services.${BASE}.loadbalancer.server.port=8000`, v1], env);
  await until('both answer through the proxy', async () => (await proxyGet(`${APP}.${DOMAIN}`)).status === 200 && (await proxyGet(`${BASE}.${DOMAIN}`)).status === 200, 60_000, 500);
  const v2 = await deploy('2');
  const fsHost = `${APP}.${DOMAIN}`;
  const baseHost = `${BASE}.${DOMAIN}`;

  // 1. A rolling update to a new image.
  const fsRoll = await underLoad(fsHost, async () => void (await deploy('1')), () => waitForStoppedTasks(APP, 120_000));
  const baseRoll = await underLoad(baseHost, async () => void (await dockerAsync(['service', 'update', '--quiet', '--with-registry-auth', '--image', v2, BASE], env)), () => waitForStoppedTasks(BASE, 120_000));
  rows.push({ event: 'rolling update', futuswarm: fsRoll, baseline: baseRoll, note: 'app:deploy vs docker service update --image' });

  // 2. Draining a worker (each side drains a worker that runs one of its tasks, then takes it back).
  const fsNode = await workerOf(APP);
  const fsDrain = await underLoad(fsHost, async () => {
    const r = await cli.run(['-q', 'admin', 'node:drain', fsNode]);
    if (r.code !== 0) throw new Error(`node:drain failed: ${r.stderr}`);
  }, () => waitForStoppedTasks(APP, 120_000));
  docker(['node', 'update', '--availability', 'active', fsNode]);
  const baseNode = await workerOf(BASE);
  const baseDrain = await underLoad(baseHost, async () => void (await dockerAsync(['node', 'update', '--availability', 'drain', baseNode])), async () => {
    await until('the baseline runs 3 tasks elsewhere', async () => {
      const tasks = await runningTasks(BASE);
      return tasks.length === 3 && !tasks.some((t) => t.node === baseNode);
    }, 120_000, 500);
  });
  docker(['node', 'update', '--availability', 'active', baseNode]);
  rows.push({ event: 'drain a worker', futuswarm: fsDrain, baseline: baseDrain, note: 'admin node:drain vs docker node update --availability drain' });

  // 3. Losing a worker that runs a task of each, under both loads at once.
  const fsWorkers = new Set((await runningTasks(APP)).map((t) => t.node));
  const lost = (await runningTasks(BASE)).map((t) => t.node).find((n) => fsWorkers.has(n) && nodeOf(n)?.[0] === 'worker') ?? (await workerOf(APP));
  const [kind, n] = nodeOf(lost)!;
  const fsLoad = startLoad({ host: fsHost, rate: 50, maxSeconds: 240 });
  const baseLoad = startLoad({ host: baseHost, rate: 50, maxSeconds: 240 });
  const started = Date.now();
  await sleep(2000);
  localNode('kill', kind, n);
  const recovered = async (service: string) => until(`${service} runs 3 tasks again`, async () => {
    const tasks = await runningTasks(service);
    return tasks.length === 3 && !tasks.some((t) => t.node === lost);
  }, 180_000, 500);
  const [fsBack, baseBack] = await Promise.all([recovered(APP), recovered(BASE)]);
  await sleep(3000);
  const [fsLoss, baseLoss] = await Promise.all([fsLoad.stop(), baseLoad.stop()]);
  rows.push({ event: `lose ${lost}`, futuswarm: fsLoss, baseline: baseLoss, note: `3/3 again after ${(fsBack / 1000).toFixed(0)} s / ${(baseBack / 1000).toFixed(0)} s (${((Date.now() - started) / 1000).toFixed(0)} s under load)` });
  localNode('down', kind, n);
} finally {
  await cli.run(['app:remove', '-n', APP, '--purge', '--confirm', APP]);
  spawnSync('docker', ['service', 'rm', APP, BASE], { stdio: 'ignore' });
  rmSync(dockerConfig, { recursive: true, force: true });
  rigUp({ workers: 0 });
}

const cell = (r: LoadReport) => `${r.failed}/${r.sent}`;
console.log('\nfailed/sent requests at ~50/s through the proxy, app with 3 replicas on 3 workers');
console.log(`${'event'.padEnd(24)}${'futuswarm'.padStart(12)}${'docker CLI'.padStart(12)}  note`);
for (const r of rows) console.log(`${r.event.padEnd(24)}${cell(r.futuswarm).padStart(12)}${cell(r.baseline).padStart(12)}  ${r.note}`);
for (const r of rows) console.log(`  ${r.event}: futuswarm ${describeLoad(r.futuswarm)}\n  ${r.event}: docker CLI ${describeLoad(r.baseline)}`);
const failed = (pick: (r: Row) => LoadReport) => rows.reduce((sum, r) => sum + pick(r).failed, 0);
const ours = failed((r) => r.futuswarm);
const theirs = failed((r) => r.baseline);
console.log(`failed requests in all: futuswarm ${ours}, docker CLI ${theirs}`);
console.log(`ratio ${(theirs === 0 ? (ours === 0 ? 1 : Infinity) : ours / theirs).toFixed(2)}x`);
