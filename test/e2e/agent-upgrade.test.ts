/**
 * `admin agent:upgrade` on the local cluster: the CLI uploads the agent bundle it carries to the
 * state bucket (moto), the manager installs it with the install script cloud-init puts on real
 * nodes (through its sudo rule), and the resident agent hands over while people keep working.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL, localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { rigUserKeyFile } from '../helpers/ldap.ts';
import { awsTestEnv } from '../helpers/moto.ts';
import { LOCAL_BUCKET } from '../helpers/state-bucket.ts';
import { until } from '../helpers/docker.ts';
import { readFrames } from '../../src/agent/daemon-wire.ts';
import type { AgentStatusResult, AgentUpgradeResult } from '../../src/results/admin.ts';

const SOCKET = '/run/futuswarm/agent.sock';
const SUPERVISOR_PID = '/run/futuswarm/supervise.pid';
const BUNDLE_HASH = '/opt/futuswarm/bundle-hash';
const BUNDLE_KEY = 'dist/futuswarm-agent-linux-x64.tar.gz';
const CLUSTER_FILE = join(LOCAL.dir, 'cluster.yaml');

const aws = awsTestEnv();
const s3 = new S3Client({
  endpoint: aws.AWS_ENDPOINT_URL,
  region: aws.AWS_REGION,
  forcePathStyle: true,
  credentials: { accessKeyId: aws.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: aws.AWS_SECRET_ACCESS_KEY ?? '' },
});
/** The bundle object's version in the state bucket, or undefined when there is none. */
async function bundleVersion(): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: LOCAL_BUCKET, Key: BUNDLE_KEY }));
    return `${head.VersionId}:${head.ETag}`;
  } catch {
    return undefined;
  }
}

const supervisorPid = (): number => Number(readFileSync(SUPERVISOR_PID, 'utf8').trim());
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** One request straight to the daemon's socket as the relay sends it for `user` (root may connect). */
function viaSocket(user: string, request: unknown): Promise<{ events: Record<string, unknown>[]; code: number | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect(SOCKET);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const { output, code } = readFrames(Buffer.concat(chunks));
      resolve({ events: output.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), code });
    });
    socket.end(`futuswarm-relay/1 serve ${user}\n${JSON.stringify(request)}\n`);
  });
}

describe('admin agent:upgrade', () => {
  let admin: CliSandbox;
  let alice: CliSandbox;
  const status = async (): Promise<AgentStatusResult['managers'][number]['agent']> => (await admin.json<AgentStatusResult>(['admin', 'agent:status'])).managers[0]!.agent;

  before(async () => {
    admin = await localSandbox();
    alice = await localSandbox({ identityFile: rigUserKeyFile('alice') });
    Object.assign(admin.env, aws);
    Object.assign(alice.env, aws);
  });

  it('refuses someone who is not an admin before anything is uploaded', async () => {
    const uploaded = await bundleVersion();
    const r = await alice.run(['admin', 'agent:upgrade', '-f', CLUSTER_FILE]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /admin/);
    assert.doesNotMatch(r.stderr, /uploading/);
    assert.equal(await bundleVersion(), uploaded);
  });

  it('installs the bundle from the state bucket and hands over without dropping a request', async () => {
    // An agent installed before bundles were recorded: the daemon reports no bundle.
    rmSync(BUNDLE_HASH, { force: true });
    process.kill(supervisorPid(), 'SIGHUP');
    await until('a daemon that runs no recorded bundle', async () => (await status())?.bundle === null, 20_000, 250);
    const oldPid = (await status())!.pid!;

    // alice keeps asking who she is while the agent is replaced under her.
    let stop = false;
    const answers: { code: number; stderr: string }[] = [];
    const asking = (async () => {
      while (!stop) answers.push(await alice.run(['whoami', '--json']));
    })();
    const r = await admin.run(['admin', 'agent:upgrade', '-f', CLUSTER_FILE, '--json']);
    // And a little after: the requests the new daemon takes.
    await new Promise((done) => setTimeout(done, 1500));
    stop = true;
    await asking;

    assert.equal(r.code, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout) as AgentUpgradeResult & { uploaded: boolean; location: string };
    assert.equal(result.location, `s3://${LOCAL_BUCKET}/${BUNDLE_KEY}`);
    const [node] = result.nodes;
    assert.equal(result.nodes.length, 1);
    assert.equal(node!.outcome, 'upgraded');
    assert.equal(node!.before, null);
    assert.equal(node!.agent?.mode, 'daemon');
    assert.notEqual(node!.agent?.pid, oldPid);
    assert.equal(node!.agent?.bundle, result.bundle);
    assert.equal(readFileSync(BUNDLE_HASH, 'utf8').trim(), result.bundle);

    const failed = answers.filter((a) => a.code !== 0);
    assert.ok(answers.length >= 3, `only ${answers.length} requests were made during the upgrade`);
    assert.deepEqual(failed, [], `${failed.length} of ${answers.length} requests failed during the hand-over`);
    await until('the old daemon to finish and exit', async () => !alive(oldPid), 30_000, 250);
    assert.equal((await status())?.bundle, result.bundle);
    // The same installer replaced the files: the agent's tree stays root's, readable by all.
    assert.equal(execFileSync('stat', ['-c', '%U %a', '/opt/futuswarm/lib/agent.js'], { encoding: 'utf8' }).trim(), 'root 644');
  });

  it('says what it does on a terminal-less run too, and changes nothing when every node runs the bundle already', async () => {
    const before = await status();
    const uploaded = await bundleVersion();
    const r = await admin.run(['admin', 'agent:upgrade', '-f', CLUSTER_FILE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /every node runs agent bundle [0-9a-f]{12} already: no changes/);
    assert.match(r.stderr, /holds this bundle already/);
    assert.doesNotMatch(r.stderr, /installing/);
    assert.equal(await bundleVersion(), uploaded);
    assert.equal((await status())?.pid, before?.pid);
  });

  it('stops at the first node that installs another bundle than asked, and says why', async () => {
    const before = await status();
    const other = `sha256:${'0'.repeat(64)}`;
    const { events, code } = await viaSocket('admin', { v: 1, op: 'admin.agent.upgrade', args: { bundle: other } });
    assert.equal(code, 1);
    const error = events.find((e) => e.type === 'error') as { code: string; message: string; hint: string; details: AgentUpgradeResult };
    assert.equal(error.code, 'conflict');
    assert.match(error.message, /the agent upgrade stopped at \S+: \S+ installed agent bundle [0-9a-f]{12}, not 000000000000/);
    assert.match(error.hint, /run futuswarm admin agent:upgrade again/);
    assert.deepEqual(error.details.nodes.map((n) => n.outcome), ['failed']);
    // No hand-over to a bundle nobody asked for.
    assert.equal((await status())?.pid, before?.pid);
  });

  it('refuses a malformed bundle hash with the path of the bad value', async () => {
    const { events, code } = await viaSocket('admin', { v: 1, op: 'admin.agent.upgrade', args: { bundle: 'md5:abc' } });
    assert.equal(code, 1);
    const error = events.find((e) => e.type === 'error') as { code: string; message: string };
    assert.equal(error.code, 'invalid_input');
    assert.match(error.message, /bundle: must be an agent bundle hash/);
  });
});
