/**
 * The cluster's default task limits (cluster file nodes.defaultAppLimits → agent config
 * deploy.defaultLimits): an app without limits of its own runs within them, as its tasks' own
 * cgroups show; an app that sets one keeps it. The agent reads its config again when the file
 * changes, so the test sets the default in the local agent.yaml and puts the file back after.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { dockerJson } from '../helpers/docker.ts';
import { removeApps } from '../helpers/cleanup.ts';

const AGENT_YAML = '/etc/futuswarm/agent.yaml';
const run = Date.now().toString(36);
const PLAIN = `lim-plain-${run}`;
const OWN = `lim-own-${run}`;

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

/** Replace the agent config as an admin would: a whole new file, same owner and mode. */
function writeAgentConfig(text: string): void {
  const st = statSync(AGENT_YAML);
  writeFileSync(`${AGENT_YAML}.tmp`, text);
  chownSync(`${AGENT_YAML}.tmp`, st.uid, st.gid);
  chmodSync(`${AGENT_YAML}.tmp`, st.mode & 0o777);
  renameSync(`${AGENT_YAML}.tmp`, AGENT_YAML);
}

/** What a running task of `app` sees as its limits, from inside its container: bytes, and CPUs as quota/period. */
function seenInside(app: string): { memoryBytes: number; cpus: number } {
  const id = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${app}`], { encoding: 'utf8' }).trim().split('\n')[0]!;
  // cgroup v2 (memory.max, cpu.max "quota period"), else v1.
  const script = 'if [ -f /sys/fs/cgroup/memory.max ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max; ' +
    'else cat /sys/fs/cgroup/memory/memory.limit_in_bytes; echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"; fi';
  const [memory, cpu] = execFileSync('docker', ['exec', id, 'sh', '-c', script], { encoding: 'utf8' }).trim().split('\n');
  const [quota, period] = (cpu ?? '').split(' ').map(Number);
  return { memoryBytes: Number(memory), cpus: quota! / period! };
}

describe('default task limits of the cluster', () => {
  let cli: CliSandbox;
  let original: string;

  before(async () => {
    cli = await localSandbox();
    original = readFileSync(AGENT_YAML, 'utf8');
    const doc = parseDocument(original);
    doc.setIn(['deploy', 'defaultLimits'], { cpus: 0.5, memoryMb: 300 });
    writeAgentConfig(doc.toString());
  });

  after(async () => {
    writeAgentConfig(original);
    await removeApps(cli, PLAIN, OWN);
  });

  it('an app without limits runs within the default, and says so', async () => {
    ok(await cli.run(['app:deploy', '-n', PLAIN, '-i', 'localhost/hello', '-t', '1', '--port', '8000']), 'deploy');
    const [service] = dockerJson<{ Spec: { TaskTemplate: { Resources: { Limits: Record<string, number> } } } }[]>(['service', 'inspect', PLAIN]);
    assert.deepEqual(service!.Spec.TaskTemplate.Resources.Limits, { NanoCPUs: 500_000_000, MemoryBytes: 300 * 1024 * 1024 });
    assert.deepEqual(seenInside(PLAIN), { memoryBytes: 300 * 1024 * 1024, cpus: 0.5 });
    const text = await cli.run(['app:inspect', '-n', PLAIN]);
    assert.match(text.stdout, /^limits: +0\.5 CPUs \(cluster default\), 300 MB memory \(cluster default\)$/m);
    const json = await cli.json<{ limits: unknown; settings: { limits?: unknown } }>(['app:inspect', '-n', PLAIN]);
    assert.deepEqual([json.limits, json.settings.limits], [{ cpus: 0.5, memoryMb: 300 }, undefined]);
  });

  it('an app that sets its memory keeps it, and takes the CPUs from the default', async () => {
    ok(await cli.run(['app:deploy', '-n', OWN, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--memory', '128']), 'deploy');
    assert.deepEqual(seenInside(OWN), { memoryBytes: 128 * 1024 * 1024, cpus: 0.5 });
    const text = await cli.run(['app:inspect', '-n', OWN]);
    assert.match(text.stdout, /^limits: +0\.5 CPUs \(cluster default\), 128 MB memory$/m);
  });
});
