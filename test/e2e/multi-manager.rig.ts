/**
 * A control plane that survives a manager (scripts/local-cluster.sh up --managers 3): every
 * manager's agent serves requests, and with one manager lost abruptly, deploys and secret
 * changes still go through a context that lists all three, the CLI passing over the dead one.
 *
 * `npm test` runs it first and alone (scripts/run-tests.sh; alone: `npm run test:managers`). A
 * manager that joins replays the swarm's Raft log since its last snapshot; scripts/local-cluster.sh
 * has the swarm snapshot every 200 entries, since with Docker's 10000 a swarm that had lived
 * through a few runs made a join take minutes and fail. Should a join fail anyway, the swarm gets
 * its quorum back (scripts/local-node.sh forget_half_joined_manager) and the rig tries a second
 * time, as an operator would; the test gives Swarm up to three minutes to count the lost manager.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCAL, localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { removeImagesNamed } from '../helpers/docker.ts';
import { DOMAIN, titleOf, waitForProxy } from '../helpers/proxy.ts';
import { localNode, nodeState, reachableManagers, rigUp, until } from '../helpers/rig.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `mm-${run}`;
const MANAGER2 = '10.231.0.102';
const MANAGER3 = '10.231.0.103';

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

describe('three managers, one of them lost', () => {
  let dir: string;
  let knownHosts: string;
  let all: CliSandbox;

  before(async () => {
    try {
      rigUp({ workers: 0, managers: 3 });
    } catch (e) {
      process.stderr.write(`# the managers did not all join (${(e as Error).message.split('\n')[0]}); trying once more\n`);
      rigUp({ workers: 0, managers: 3 });
    }
    dir = mkdtempSync(join(tmpdir(), 'futuswarm-managers-'));
    // The managers' host keys, as an admin would pin them (each published its own at boot).
    knownHosts = join(dir, 'known_hosts');
    const hostKey = (n: number) => readFileSync(`/etc/futuswarm/mgr${n}/ssh_host_ed25519_key.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(knownHosts, `${readFileSync(join(LOCAL.dir, 'known_hosts'), 'utf8').trimEnd()}\n[${MANAGER2}]:${LOCAL.port} ${hostKey(2)}\n[${MANAGER3}]:${LOCAL.port} ${hostKey(3)}\n`);
    all = await localSandbox({ hosts: [MANAGER2, MANAGER3, LOCAL.host], knownHostsFile: knownHosts });
  });

  after(async () => {
    try {
      await removeApps(all, APP);
    } finally {
      // Whatever failed above, the rest of the suite gets its one-manager swarm back.
      rigUp({ workers: 0, managers: 1 });
      removeImagesNamed(APP);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the swarm has three reachable managers, and a manager in a namespace serves a deploy on its own', async () => {
    assert.equal(reachableManagers(), 3);
    const second = await localSandbox({ hosts: [MANAGER2], knownHostsFile: knownHosts });
    ok(await second.run(['app:deploy', '-n', APP, '-i', 'localhost/hello:1', '--push', '--port', '8000', '--replicas', '2']), 'deploy through manager 2');
    await waitForProxy(`${APP}.${DOMAIN}`, (r) => r.status === 200 && titleOf(r.body) === 'hello v1', 10_000);
  });

  it('with manager 2 lost, app:deploy and app:secrets set go through the next manager the context lists', async () => {
    localNode('kill', 'manager', 2);
    // Until Swarm counts the node lost it may still give it a task, which would never start. A
    // manager that led may show `unknown` once the others elected a new leader, else `down`.
    const lostAfter = await until('Swarm counts manager 2 lost', () => !['ready', undefined].includes(nodeState('futuswarm-manager2')), 180_000, 500);
    process.stderr.write(`# Swarm counted manager 2 lost after ${(lostAfter / 1000).toFixed(1)}s\n`);
    const deployed = await all.run(['-v', 'app:deploy', '-n', APP, '-i', 'localhost/hello:2', '--push']);
    ok(deployed, 'deploy with manager 2 lost');
    assert.match(deployed.stderr, new RegExp(`${MANAGER2.replace(/\./g, '\\.')}:${LOCAL.port} did not answer .*; trying ${MANAGER3.replace(/\./g, '\\.')}`));
    await waitForProxy(`${APP}.${DOMAIN}`, (r) => r.status === 200 && titleOf(r.body) === 'hello v2', 10_000);
    ok(await all.run(['app:secrets', 'set', '-n', APP, `GREETING=hello-${run}`]), 'secrets set with manager 2 lost');
    const { keys } = await all.json<{ keys: { key: string }[] }>(['app:secrets', 'list', '-n', APP]);
    assert.ok(keys.some((k) => k.key === 'GREETING'), JSON.stringify(keys));
    // The swarm kept its quorum: two of three managers answer.
    assert.equal(reachableManagers(), 2);
  });
});
