/**
 * Other people's input, end to end on the local cluster, as alice (an owner), bob (nobody to
 * her app) and carol (an admin) from the LDAP rig: control characters never reach a terminal,
 * reserved keys are refused, a refused request of megabytes leaves a small audit record, and
 * bob sees neither the secret names nor the health command of alice's app.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AUDIT_ARGS_MAX_BYTES } from '../../src/core/audit-summary.ts';
import { LOCAL, localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { until } from '../helpers/docker.ts';
import { agentState } from '../helpers/agent-state.ts';
import { rawRequest } from '../helpers/agent-request.ts';
import { ensureLdap, rigUserKeyFile } from '../helpers/ldap.ts';
import { removeApps } from '../helpers/cleanup.ts';

const suffix = Math.random().toString(36).slice(2, 7);
const APP = `hard-${suffix}`;
const HEALTH_TOKEN = `health-token-${suffix}`;
const SECRET_KEY = `GREETING_${suffix.toUpperCase()}`;
const ESC = '\x1b';
/** Clears the screen, sets the window title, and a C1 CSI that some terminals take. */
const PLANTED = `${ESC}]0;pwned\x07${ESC}[2J\u009b31mall clear`;
const PLANTED_SHOWN = '\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31mall clear';
/** Any raw control character but line feed and tab. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

interface AuditRecord { user: string; op: string; app?: string; args?: Record<string, unknown>; argsBytes?: number; result: string; code?: string; message?: string }
interface Release { n: number; note?: string | null }
interface Inspect { settings?: { health?: { path?: string; cmd?: string } }; labels: Record<string, string>; ownersOnly?: string[] }

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

function noRawControls(r: CliResult, what: string): void {
  assert.equal(RAW_CONTROL.test(r.stdout), false, `${what}: stdout ${JSON.stringify(r.stdout)}`);
  assert.equal(RAW_CONTROL.test(r.stderr), false, `${what}: stderr ${JSON.stringify(r.stderr)}`);
}

describe('hardening against other people\'s input', () => {
  let alice: CliSandbox;
  let bob: CliSandbox;
  let carol: CliSandbox;
  let admin: CliSandbox;
  const auditOf = async (filter: string[]) => (await carol.json<{ records: AuditRecord[] }>(['admin', 'audit', '-n', APP, '--since', '1h', ...filter])).records;

  before(async () => {
    await ensureLdap();
    [alice, bob, carol, admin] = await Promise.all([
      localSandbox({ identityFile: rigUserKeyFile('alice') }),
      localSandbox({ identityFile: rigUserKeyFile('bob') }),
      localSandbox({ identityFile: rigUserKeyFile('carol') }),
      localSandbox(),
    ]);
    ok(await alice.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--health-cmd', `test -n ${HEALTH_TOKEN}`]), 'alice deploys');
    // With a restart: a release whose note names the key.
    ok(await alice.run(['app:secrets', 'set', '-n', APP, `${SECRET_KEY}=hello-${suffix}`]), 'alice sets a secret');
  });

  after(async () => {
    await removeApps(admin, APP);
  });

  describe('control characters', () => {
    it('a lock message with ESC is refused before it leaves the laptop, and by the agent', async () => {
      const r = await alice.run(['app:lock', '-n', APP, '-m', `db ${ESC}[2J migration`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: --message: must not contain control characters/m);
      noRawControls(r, 'app:lock -m');
      assert.equal((await alice.json<{ locked: boolean }>(['app:lock', '-n', APP, '--status'])).locked, false);

      const [event] = rawRequest(JSON.stringify({ v: 1, op: 'app.lock', args: { app: APP, message: `${ESC}[2J` } }), rigUserKeyFile('alice'));
      assert.equal(event?.code, 'invalid_input', JSON.stringify(event));
      assert.match(event?.message ?? '', /args\.message: must not contain control characters/);
    });

    it('a lock planted in state with control characters is shown escaped, and valid in --json', async () => {
      const { state } = agentState();
      await state.locks.acquire(APP, { user: 'alice', op: 'app.lock', message: PLANTED, ttlSeconds: 600 });
      try {
        const text = await bob.run(['app:lock', '-n', APP, '--status']);
        ok(text, 'lock status');
        noRawControls(text, 'lock status');
        assert.ok(text.stdout.includes(PLANTED_SHOWN), text.stdout);

        const json = await bob.run(['app:lock', '-n', APP, '--status', '--json']);
        noRawControls(json, 'lock status --json');
        assert.equal((JSON.parse(json.stdout) as { lock: { message: string } }).lock.message, PLANTED);

        // The lock's message reaches whoever it blocks, inside an error.
        const blocked = await alice.run(['app:scale', '-n', APP, '2']);
        assert.equal(blocked.code, 1, blocked.stderr);
        noRawControls(blocked, 'a blocked change');
        assert.ok(blocked.stderr.includes(PLANTED_SHOWN), blocked.stderr);
      } finally {
        await state.locks.break(APP);
      }
    });

    it('an audit record planted with control characters is shown escaped, and valid in --json', async () => {
      const { state } = agentState();
      await state.audit.append({ user: 'alice', op: 'app.restart', app: APP, result: 'error', code: 'docker', message: `pull failed: ${PLANTED}` });
      const text = await carol.run(['admin', 'audit', '-n', APP, '--op', 'app.restart']);
      ok(text, 'admin audit');
      noRawControls(text, 'admin audit');
      // The table cuts long details at 100 columns; what it shows of them is escaped.
      assert.ok(text.stdout.includes(`pull failed: ${PLANTED_SHOWN.slice(0, 24)}`), text.stdout);
      const records = await auditOf(['--op', 'app.restart']);
      assert.ok(records.some((x) => x.message === `pull failed: ${PLANTED}`), JSON.stringify(records));
    });
  });

  describe('reserved keys', () => {
    it('a raw request with a __proto__ key is refused with invalid_input, and recorded without it', async () => {
      const line = `{"v":1,"op":"app.lock.status","args":{"app":"${APP}","__proto__":{"admin":true}}}`;
      const [event] = rawRequest(line, rigUserKeyFile('bob'));
      assert.deepEqual([event?.type, event?.code, event?.message], ['error', 'invalid_input', 'bad request: args.__proto__: the key "__proto__" is not allowed']);
      const records = await auditOf(['--user', 'bob', '--op', 'app.lock.status']);
      assert.ok(records.some((x) => x.code === 'invalid_input' && JSON.stringify(x.args?.['[__proto__]']) === '{"admin":true}'), JSON.stringify(records));
    });

    it('a constructor key inside a map of values is refused too, not dropped', async () => {
      const [event] = rawRequest(`{"v":1,"op":"app.secrets.set","args":{"app":"${APP}","values":{"constructor":"x"},"restart":false}}`, rigUserKeyFile('alice'));
      assert.equal(event?.code, 'invalid_input', JSON.stringify(event));
      assert.match(event?.message ?? '', /args\.values\.constructor: the key "constructor" is not allowed/);
    });
  });

  describe('the audit trail', () => {
    it('a 3 MB request to an op bob may not call leaves a record with under 2 KB of arguments', async () => {
      const command = Array.from({ length: 48 }, (_, i) => `${i}`.padEnd(64 * 1024, 'y'));
      const [event] = rawRequest(JSON.stringify({ v: 1, op: 'app.run', args: { app: APP, command } }), rigUserKeyFile('bob'));
      assert.equal(event?.code, 'forbidden', JSON.stringify(event).slice(0, 500));
      const [record] = await auditOf(['--user', 'bob', '--op', 'app.run', '--limit', '1']);
      assert.ok(record, 'the refusal is recorded');
      assert.equal(record.code, 'forbidden');
      assert.ok(Buffer.byteLength(JSON.stringify(record.args)) <= AUDIT_ARGS_MAX_BYTES, JSON.stringify(record.args));
      assert.ok((record.argsBytes ?? 0) > 3_000_000, `argsBytes ${record.argsBytes}`);
      assert.ok(Buffer.byteLength(JSON.stringify(record)) < AUDIT_ARGS_MAX_BYTES + 2048, `${Buffer.byteLength(JSON.stringify(record))} bytes`);
    });
  });

  describe('what only owners see', () => {
    it('bob sees no secret key names and no health command of alice\'s app', async () => {
      const releases = await bob.run(['app:releases', '-n', APP, '--json']);
      ok(releases, 'bob lists the releases');
      assert.equal(releases.stdout.includes(SECRET_KEY), false, releases.stdout);
      const view = JSON.parse(releases.stdout) as { releases: Release[]; ownersOnly?: string[] };
      assert.deepEqual(view.ownersOnly, ['note']);
      const table = await bob.run(['app:releases', '-n', APP]);
      assert.match(table.stdout, /\(owners only\)$/m);
      assert.equal(table.stdout.includes(SECRET_KEY), false);

      const inspect = await bob.run(['app:inspect', '-n', APP, '--json']);
      ok(inspect, 'bob inspects the app');
      assert.equal(inspect.stdout.includes(HEALTH_TOKEN), false, inspect.stdout);
      assert.equal(inspect.stdout.includes(SECRET_KEY), false);
      const seen = JSON.parse(inspect.stdout) as Inspect;
      assert.deepEqual(seen.ownersOnly, ['health.cmd', 'labels']);
      assert.deepEqual(Object.keys(seen.labels).sort(), ['futuswarm.app', 'futuswarm.image', 'futuswarm.release']);
      const text = await bob.run(['app:inspect', '-n', APP]);
      assert.match(text.stdout, /^health command: +\(owners only\)$/m);

      const list = await bob.run(['app:list', '--json']);
      assert.equal(list.stdout.includes(HEALTH_TOKEN) || list.stdout.includes(SECRET_KEY), false);
    });

    it('alice, an owner, and carol, an admin, see them', async () => {
      for (const [who, cli] of [['alice', alice], ['carol', carol]] as const) {
        const { releases } = await cli.json<{ releases: Release[] }>(['app:releases', '-n', APP]);
        assert.ok(releases.some((r) => r.note?.includes(SECRET_KEY)), `${who}: ${JSON.stringify(releases)}`);
        const seen = await cli.json<Inspect>(['app:inspect', '-n', APP]);
        assert.equal(seen.settings?.health?.cmd, `test -n ${HEALTH_TOKEN}`, who);
        assert.equal(seen.ownersOnly, undefined, who);
      }
    });

    it('a secret stored but not running yet: bob sees that one waits, not which; alice sees which', async () => {
      const waiting = `${SECRET_KEY}_NEXT`;
      ok(await alice.run(['app:secrets', 'set', '-n', APP, `${waiting}=later`, '--no-restart']), 'alice stores a secret for the next deploy');
      const seen = await bob.run(['app:inspect', '-n', APP]);
      ok(seen, 'bob inspects the app');
      assert.match(seen.stdout, /^pending: +secrets are stored that the tasks do not run; the next app:deploy applies them\n +keys: \(owners only\)\n +stored version: +\S+\n +running version: \S+$/m);
      assert.equal(seen.stdout.includes(waiting), false);
      assert.deepEqual((await bob.json<Inspect>(['app:inspect', '-n', APP])).ownersOnly, ['health.cmd', 'labels', 'pendingSecrets.keys']);
      const hers = await alice.json<Inspect & { pendingSecrets: { set: string[]; unset: string[] } }>(['app:inspect', '-n', APP]);
      assert.deepEqual([hers.pendingSecrets.set, hers.pendingSecrets.unset], [[waiting], []]);
    });
  });
  describe('app:exec input', () => {
    it('a message over 1 MiB ends the exec with invalid_input, before the line ends; the agent goes on serving', async () => {
      const child = spawn('ssh', ['-F', '/dev/null', '-T', '-i', rigUserKeyFile('alice'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
        '-o', `UserKnownHostsFile=${join(LOCAL.dir, 'known_hosts')}`, '-o', 'LogLevel=ERROR', '-p', String(LOCAL.port), '-l', 'futuswarm', LOCAL.host, 'futuswarm-agent'], { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin.on('error', () => undefined);
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stdin.write(`${JSON.stringify({ v: 1, op: 'app.exec', args: { app: APP, command: ['cat'], interactive: true, tty: false } })}\n`);
      await until('the exec to attach', () => /"step":"attached"/.test(out), 30_000, 100);
      // 8 MiB with no newline, and the input stays open: only the limit can end it.
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      for (let i = 0; i < 128 && child.stdin.writable; i++) child.stdin.write(chunk);
      await until('the agent to refuse the input', () => /"type":"error"/.test(out), 30_000, 100);
      child.kill();
      const error = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; code?: string; message?: string }).find((e) => e.type === 'error');
      assert.equal(error?.code, 'invalid_input', out.slice(-500));
      assert.match(error?.message ?? '', /over 1 MiB/);
      ok(await alice.run(['whoami']), 'the agent answers afterwards');
    });
  });
});
