/**
 * App secrets end to end: the CLI → SSH → agent → S3 (moto) + KMS, and the running
 * container's environment. No secret value may show up anywhere but in the app.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { removeServiceIfExists, serviceVersion } from '../helpers/docker.ts';
import { allObjectBodies } from '../helpers/state-bucket.ts';
import { removeApps } from '../helpers/cleanup.ts';

const APP = 'e2e-secrets';
const run = Date.now().toString(36);
// Distinctive values, so a leak anywhere is found by a plain search.
const DB_URL = `postgres://shop:pw-${run}-db@db/shop`;
const STRIPE = `sk_live_${run}_stripe`;
const FROM_FILE = `-----BEGIN KEY-----\nfile-${run}-secret\n-----END KEY-----\n`;
const FROM_STDIN = `stdin-${run}-secret`;
const ALL_VALUES = [DB_URL, STRIPE, `file-${run}-secret`, FROM_STDIN];

/** The environment the app's running task sees. */
function containerEnv(app: string): Record<string, string> {
  const ids = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${app}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  assert.ok(ids.length > 0, `no running container of ${app}`);
  const env = JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .Config.Env}}', ids[0] ?? ''], { encoding: 'utf8' })) as string[];
  return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

describe('app secrets', () => {
  let cli: CliSandbox;
  const outputs: string[] = [];
  const runCli = async (args: string[], input?: string) => {
    const r = await cli.run(args, input === undefined ? {} : { input });
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  before(async () => {
    removeServiceIfExists(APP);
    cli = await localSandbox();
    await removeApps(cli, APP);
    const r = await runCli(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await removeApps(cli, APP);
  });

  it('sets several keys as one version and restarts the app with them', async () => {
    const r = await runCli(['app:secrets', 'set', '-n', APP, `DATABASE_URL=${DB_URL}`, `STRIPE_KEY=${STRIPE}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /e2e-secrets: changed DATABASE_URL, STRIPE_KEY \(secrets version .+\); e2e-secrets now runs release 2 with them/);
    const env = containerEnv(APP);
    assert.equal(env.DATABASE_URL, DB_URL);
    assert.equal(env.STRIPE_KEY, STRIPE);
  });

  it('reads values from a file and from stdin; never from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'futuswarm-secret-'));
    writeFileSync(join(dir, 'key.pem'), FROM_FILE, { mode: 0o600 });
    const fromFile = await runCli(['app:secrets', 'set', '-n', APP, '--no-restart', `TLS_KEY=@${join(dir, 'key.pem')}`]);
    assert.equal(fromFile.code, 0, fromFile.stderr);

    // While the CLI waits for stdin, its command line must not carry the value.
    const child = spawn(process.execPath, [CLI, 'app:secrets', 'set', '-n', APP, '--no-restart', 'API_TOKEN=-'], { env: cli.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.stdin.write(FROM_STDIN);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ps = execFileSync('ps', ['-eww', '-o', 'args'], { encoding: 'utf8' });
    assert.ok(ps.includes('API_TOKEN=-'), 'the set command should be running');
    assert.ok(!ps.includes(FROM_STDIN), 'a secret value appeared in ps output');
    child.stdin.end('\n');
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    outputs.push(out);
    assert.equal(code, 0, out);

    const get = await runCli(['app:secrets', 'get', '-n', APP, 'TLS_KEY']);
    assert.equal(get.stdout, FROM_FILE);
    const token = await runCli(['app:secrets', 'get', '-n', APP, 'API_TOKEN']);
    assert.equal(token.stdout, FROM_STDIN);
  });

  it('--no-restart stores without touching the running service', async () => {
    const version = serviceVersion(APP);
    const r = await runCli(['app:secrets', 'set', '-n', APP, '--no-restart', 'FEATURE_X=on']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /the app was not restarted/);
    assert.equal(serviceVersion(APP), version);
    assert.equal(containerEnv(APP).FEATURE_X, undefined);
  });

  it('lists keys and sizes, never values', async () => {
    const r = await runCli(['app:secrets', 'list', '-n', APP, '--json']);
    const list = JSON.parse(r.stdout) as { keys: { key: string; bytes: number }[] };
    assert.deepEqual(list.keys.map((k) => k.key), ['API_TOKEN', 'DATABASE_URL', 'FEATURE_X', 'STRIPE_KEY', 'TLS_KEY']);
    assert.equal(list.keys.find((k) => k.key === 'DATABASE_URL')?.bytes, Buffer.byteLength(DB_URL));
  });

  it('unsets a key and the app restarts without it', async () => {
    const r = await runCli(['app:secrets', 'unset', '-n', APP, 'STRIPE_KEY', '--confirm', APP]);
    assert.equal(r.code, 0, r.stderr);
    const env = containerEnv(APP);
    assert.equal(env.STRIPE_KEY, undefined);
    assert.equal(env.FEATURE_X, 'on');
  });

  it('keeps a history: who changed which keys, when', async () => {
    const { versions } = await cli.json<{ versions: { user: string; set: string[]; unset: string[]; current: boolean }[] }>(['app:secrets', 'history', '-n', APP]);
    assert.deepEqual(
      versions.map((v) => [v.user, v.set, v.unset, v.current]),
      [
        ['admin', [], ['STRIPE_KEY'], true],
        ['admin', ['FEATURE_X'], [], false],
        ['admin', ['API_TOKEN'], [], false],
        ['admin', ['TLS_KEY'], [], false],
        ['admin', ['DATABASE_URL', 'STRIPE_KEY'], [], false],
      ],
    );
  });

  it('records each release with the secrets version it runs', async () => {
    const { releases } = await cli.json<{ releases: { n: number; live: boolean; image: string; secretsVersion: string | null; note: string | null }[] }>(['app:releases', '-n', APP]);
    const { versions } = await cli.json<{ versions: { versionId: string }[] }>(['app:secrets', 'history', '-n', APP]);
    assert.deepEqual(releases.map((r) => r.n), [3, 2, 1]);
    // A release made by a secrets change runs the same image and tag as the one before.
    assert.deepEqual(releases.map((r) => r.image), ['localhost/hello:1', 'localhost/hello:1', 'localhost/hello:1']);
    assert.equal(releases[0]?.live, true);
    assert.equal(releases[0]?.secretsVersion, versions[0]?.versionId);
    assert.equal(releases[2]?.secretsVersion, null);
  });

  it('refuses bad keys, oversize values and unknown apps, and stores nothing', async () => {
    const before = (await cli.json<{ versions: unknown[] }>(['app:secrets', 'history', '-n', APP])).versions.length;
    const badKey = await runCli(['app:secrets', 'set', '-n', APP, 'bad-key=1']);
    assert.equal(badKey.code, 2);
    assert.match(badKey.stderr, /must be an environment variable name/);
    const big = await runCli(['app:secrets', 'set', '-n', APP, '--no-restart', 'BIG=-'], 'x'.repeat(65 * 1024));
    assert.equal(big.code, 2);
    assert.match(big.stderr, /BIG/);
    assert.ok(!big.stderr.includes('xxxxxxxx'), 'the error must not echo the value');
    // A failed pipe (`pass show x | …` with no output) must not blank the secret.
    const emptyPipe = await runCli(['app:secrets', 'set', '-n', APP, '--no-restart', 'GREETING=-'], '');
    assert.equal(emptyPipe.code, 2);
    assert.match(emptyPipe.stderr, /GREETING=-: standard input was empty, so nothing was changed/);
    // Purging needs the app's name again, and without it nothing is deleted.
    const purge = await runCli(['app:remove', '-n', APP, '--purge']);
    assert.equal(purge.code, 2);
    assert.match(purge.stderr, new RegExp(`confirm with the app's name; nothing was changed\\nhint: futuswarm app:remove -n ${APP} --purge --confirm ${APP}`));
    const missing = await runCli(['app:secrets', 'set', '-n', 'e2e-no-such-app', 'A=1']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /there is no app named e2e-no-such-app/);
    const after = (await cli.json<{ versions: unknown[] }>(['app:secrets', 'history', '-n', APP])).versions.length;
    assert.equal(after, before);
  });

  it('two concurrent sets never lose an update silently (20 rounds)', async () => {
    for (let i = 0; i < 20; i++) {
      const [a, b] = await Promise.all([
        runCli(['app:secrets', 'set', '-n', APP, '--no-restart', `RACE_A_${i}=a`]),
        runCli(['app:secrets', 'set', '-n', APP, '--no-restart', `RACE_B_${i}=b`]),
      ]);
      const { keys } = await cli.json<{ keys: { key: string }[] }>(['app:secrets', 'list', '-n', APP]);
      const names = new Set(keys.map((k) => k.key));
      for (const [r, key] of [[a, `RACE_A_${i}`], [b, `RACE_B_${i}`]] as const) {
        if (r.code === 0) assert.ok(names.has(key), `round ${i}: ${key} reported stored but is missing`);
        else assert.match(r.stderr, /error: .*(locked|changed by someone else)/s, `round ${i}: unexpected failure: ${r.stderr}`);
        if (r.code !== 0) assert.ok(!names.has(key));
      }
    }
  });

  it('no secret value leaked into CLI output, the state bucket or the sshd log', async () => {
    for (const text of outputs) {
      for (const value of [DB_URL, STRIPE, FROM_STDIN]) assert.ok(!text.includes(value) || text === FROM_STDIN || text.trim() === value, 'a secret value appeared in CLI output');
    }
    const setOutputs = outputs.filter((o) => !ALL_VALUES.some((v) => o === v || o === FROM_FILE));
    for (const text of setOutputs) for (const value of ALL_VALUES) assert.ok(!text.includes(value), `secret value in output: ${text.slice(0, 200)}`);
    const objects = await allObjectBodies();
    assert.ok(objects.some((o) => o.key === `apps/${APP}/secrets`), 'the secrets object should exist');
    for (const o of objects) {
      const text = o.body.toString('latin1');
      for (const value of ALL_VALUES) {
        for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) {
          assert.ok(!text.includes(form), `plaintext secret in s3://…/${o.key}@${o.versionId}`);
        }
      }
    }
    const sshdLog = readFileSync('/var/log/futuswarm-sshd.log', 'utf8');
    for (const value of ALL_VALUES) assert.ok(!sshdLog.includes(value), 'secret value in the sshd log');
  });
});
