/**
 * The resident agent on the local cluster: people's keys run the relay (sshd's forced
 * command), which hands each request to `futuswarm-agent daemon` under `supervise`. Who it
 * serves, what it logs, what a caller sees when it is gone or dies in the middle of a deploy.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCAL, localSandbox, REPO, type CliSandbox } from '../helpers/cli.ts';
import { addPerson, removeEntry, rigUserKeyFile, uniqueUid } from '../helpers/ldap.ts';
import { until } from '../helpers/docker.ts';
import { readFrames } from '../../src/agent/daemon-wire.ts';
import { removeApps } from '../helpers/cleanup.ts';

const SOCKET = '/run/futuswarm/agent.sock';
const AGENT = '/opt/futuswarm/bin/futuswarm-agent';
const RELAY = '/opt/futuswarm/bin/futuswarm-relay';
const LOG = '/var/log/futuswarm/agent.log';
const SUPERVISOR_PID = '/run/futuswarm/supervise.pid';
const run = Date.now().toString(36);

interface Answer {
  events: Record<string, unknown>[];
  code: number | undefined;
  /** Whether the daemon closed the connection before every byte we meant to send was taken. */
  cutShort: boolean;
}

/** One request straight to the daemon's socket, as the relay sends it (root may connect). */
function viaSocket(header: string, body: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(SOCKET);
    const chunks: Buffer[] = [];
    let cutShort = false;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ECONNRESET') cutShort = true;
      else reject(e);
    });
    socket.on('close', () => {
      const { output, code } = readFrames(Buffer.concat(chunks));
      const events = output.toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ events, code, cutShort });
    });
    socket.write(`${header}\n`);
    socket.end(body, () => undefined);
  });
}

const logLines = (): Record<string, unknown>[] =>
  readFileSync(LOG, 'utf8').trim().split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

/** Who holds the app's lock, from `app:lock --status --json`; undefined when nobody does. */
function lockHolder(r: { code: number; stdout: string }): string | undefined {
  if (r.code !== 0) return undefined;
  const status = JSON.parse(r.stdout) as { locked: boolean; lock: { user: string } | null };
  return status.locked ? status.lock?.user : undefined;
}

const supervisorPid = (): number => Number(readFileSync(SUPERVISOR_PID, 'utf8').trim());
/** The daemon the supervisor started last (during a hand-over the old one still finishes its requests). */
const daemonPid = (): number => Number(execFileSync('pgrep', ['-n', '-P', String(supervisorPid()), '-f', 'daemon'], { encoding: 'utf8' }).trim());

describe('the resident agent behind the relay', () => {
  let admin: CliSandbox;
  const app = `daemon-${run}`;

  before(async () => {
    admin = await localSandbox();
    assert.equal((await admin.run(['app:create', '-n', app])).code, 0);
  });

  after(async () => {
    // Whatever a test did to it, the cluster keeps a running daemon.
    execFileSync('bash', [join(REPO, 'scripts/local-cluster.sh'), 'daemon'], { stdio: 'ignore' });
    await removeApps(admin, app);
  });

  it("forces the relay for a person's key, naming the person the directory gave", () => {
    const [type, key] = readFileSync(join(LOCAL.dir, 'id_ed25519.pub'), 'utf8').split(' ');
    const line = execFileSync('runuser', ['-u', 'futuswarm', '--', AGENT, 'authorized-keys', 'futuswarm', type!, key!], { encoding: 'utf8' });
    assert.match(line, /^restrict,command="\/opt\/futuswarm\/bin\/futuswarm-relay --socket \/run\/futuswarm\/agent\.sock --user admin" ssh-ed25519 /);
  });

  it("answers sshd's key question itself, as the agent would; where it cannot, the agent answers", () => {
    const [type, key] = readFileSync(join(LOCAL.dir, 'id_ed25519.pub'), 'utf8').split(' ') as [string, string];
    const ask = (command: string[], env: string[] = []): { line: string; ms: number } => {
      const started = process.hrtime.bigint();
      const line = execFileSync('runuser', ['-u', 'futuswarm', '--', 'env', ...env, ...command], { encoding: 'utf8' });
      return { line, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const question = ['authorized-keys', 'futuswarm', type, key];
    const before = logLines().length;
    const viaDaemon = ask([AGENT, ...question]);
    const direct = ask([AGENT, ...question], ['FUTUSWARM_AUTHORIZED_KEYS_DIRECT=1']);
    assert.match(viaDaemon.line, /^restrict,command="\/opt\/futuswarm\/bin\/futuswarm-relay --socket \/run\/futuswarm\/agent\.sock --user admin" ssh-ed25519 \S+\n$/);
    assert.equal(viaDaemon.line, direct.line);
    const asked = logLines().slice(before).filter((l) => l.op === 'authorized-keys');
    assert.deepEqual(asked.map((l) => l.outcome), ['ok'], 'the daemon answered the first question, not the second');
    process.stderr.write(`# sshd's key question: ${viaDaemon.ms.toFixed(0)} ms through the daemon, ${direct.ms.toFixed(0)} ms by the agent itself\n`);
    // A key nobody has: no line. No daemon at the socket: the relay hands over to the agent.
    const stranger = join(mkdtempSync(join(tmpdir(), 'fs-stranger-')), 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const [strangerType, strangerKey] = readFileSync(`${stranger}.pub`, 'utf8').split(' ') as [string, string];
    assert.equal(ask([AGENT, 'authorized-keys', 'futuswarm', strangerType, strangerKey]).line, '');
    assert.equal(logLines().findLast((l) => l.op === 'authorized-keys')?.outcome, 'unknown key');
    assert.equal(ask([RELAY, '--socket', `/run/futuswarm/none-${run}.sock`, '--authorized-keys', ...question.slice(1), '--fallback', AGENT]).line, direct.line);
    rmSync(dirname(stranger), { recursive: true, force: true });
  });

  it('logs one line per request with its id, user, op, app, outcome and duration, and never a secret value', async () => {
    const secret = `v-${run}-${Math.random().toString(36).slice(2)}`;
    assert.equal((await admin.run(['app:secrets', 'set', '-n', app, '--no-restart', `TOKEN=${secret}`])).code, 0);
    const missing = await admin.run(['app:inspect', '-n', `nothing-${run}`]);
    assert.notEqual(missing.code, 0);
    const lines = logLines();
    const set = lines.findLast((l) => l.op === 'app.secrets.set' && l.app === app);
    assert.ok(set, 'a line for the secrets write');
    assert.equal(set.user, 'admin');
    assert.equal(set.outcome, 'ok');
    assert.equal(typeof set.ms, 'number');
    assert.match(String(set.requestId), /^[0-9a-f]{12}$/);
    const refused = lines.findLast((l) => l.op === 'app.inspect' && l.app === `nothing-${run}`);
    assert.equal(refused?.outcome, 'not_found');
    assert.ok(!readFileSync(LOG, 'utf8').includes(secret), 'the secret value is not in the agent log');
  });

  it("names the request in an error event, and the log's line carries the same id", async () => {
    const answer = await viaSocket('futuswarm-relay/1 serve admin', `${JSON.stringify({ v: 1, op: 'app.inspect', args: { app: `gone-${run}` } })}\n`);
    assert.equal(answer.code, 1);
    const error = answer.events.find((e) => e.type === 'error');
    assert.equal(error?.code, 'not_found');
    assert.match(String(error?.requestId), /^[0-9a-f]{12}$/);
    await until('the log line of the request', () => logLines().some((l) => l.requestId === error?.requestId && l.outcome === 'not_found'), 5_000);
  });

  it('refuses a header that is not the relay, and a request over the limit before reading it whole', async () => {
    const bad = await viaSocket('futuswarm-relay/1 serve -x', '{}\n');
    assert.equal(bad.events.length, 0);
    assert.notEqual(bad.code, 0);
    // 64 MiB on one line, no newline: refused at the 4 MiB limit, the rest never read.
    const huge = await viaSocket('futuswarm-relay/1 serve admin', Buffer.alloc(64 * 1024 * 1024, 0x61));
    assert.equal(huge.code, 1);
    assert.match(String(huge.events.find((e) => e.type === 'error')?.message), /too large/);
    assert.ok(huge.cutShort, 'the daemon closed the connection before taking all 64 MiB');
  });

  it('admin agent:status: the resident agent of the manager with its figures, and which agent leads the periodic work; admins only', async () => {
    const status = await admin.json<{ managers: { node: string; answered: boolean; agent: { mode: string; pid: number; requests: number; leader: boolean; version: string } | null }[] }>(['admin', 'agent:status']);
    const self = status.managers.find((m) => m.answered);
    assert.equal(self?.agent?.mode, 'daemon');
    assert.equal(self?.agent?.pid, daemonPid());
    assert.ok((self?.agent?.requests ?? 0) > 0);
    assert.equal(self?.agent?.leader, true, 'the only daemon of the cluster holds the leader lease');
    const text = await admin.run(['admin', 'agent:status']);
    assert.match(text.stdout, /^MANAGER +ADDRESS +AGENT +VERSION +UPTIME +REQUESTS +LEADER/m);
    assert.match(text.stdout, / \* +\S+ +resident +\S+ +\S+/);
    const alice = await localSandbox({ identityFile: rigUserKeyFile('alice') });
    const refused = await alice.run(['admin', 'agent:status']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /admin/);
  });

  it('answers 50 concurrent requests from 5 people, each as who they are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-daemon-'));
    const fifth = uniqueUid('d');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', fifth, '-f', join(dir, 'id')]);
    const dn = await addPerson(fifth, [readFileSync(join(dir, 'id.pub'), 'utf8').trim()]);
    try {
      const people: [string, CliSandbox][] = [['admin', admin]];
      for (const uid of ['alice', 'bob', 'carol'] as const) people.push([uid, await localSandbox({ identityFile: rigUserKeyFile(uid) })]);
      people.push([fifth, await localSandbox({ identityFile: join(dir, 'id') })]);
      const answers = await Promise.all(
        people.flatMap(([uid, sandbox]) => Array.from({ length: 10 }, async () => ({ uid, r: await sandbox.run(['whoami', '--json']) }))),
      );
      assert.equal(answers.length, 50);
      for (const { uid, r } of answers) {
        assert.equal(r.code, 0, `${uid}: ${r.stderr}`);
        assert.equal((JSON.parse(r.stdout) as { user: string }).user, uid);
      }
    } finally {
      await removeEntry(dn);
    }
  });

  it('a daemon killed in the middle of a deploy: the caller gets a clear error, its lock is freed, and the next deploy works', async () => {
    const deploy = (tag: string, extra: string[] = []) => admin.run(['app:deploy', '-n', app, '-i', 'localhost/hello', '-t', tag, '--port', '8000', ...extra]);
    const first = await deploy('1');
    assert.equal(first.code, 0, first.stderr);
    const killed = daemonPid();
    const second = deploy('2');
    // Once the deploy holds the app's lock, the daemon dies as an out-of-memory kill would end it.
    await until('the deploy to take the lock', async () => lockHolder(await admin.run(['app:lock', '-n', app, '--status', '--json'])) === 'admin', 20_000, 200);
    process.kill(killed, 'SIGKILL');
    const r = await second;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /agent daemon ended the connection/);
    // The supervisor starts another daemon, which frees what the dead one held: no TTL wait.
    await until('a new daemon', () => {
      try {
        return daemonPid() !== killed;
      } catch {
        return false;
      }
    }, 10_000);
    await until('the lock to be freed', async () => lockHolder(await admin.run(['app:lock', '-n', app, '--status', '--json'])) === undefined, 10_000);
    const third = await deploy('2');
    assert.equal(third.code, 0, third.stderr);
  });

  it('a deploy reports where it stands as it goes; a deploy of what runs answers "no changes" from reads alone, without the lock', async () => {
    const fast = `${app}-fast`;
    try {
      const first = await admin.run(['app:deploy', '-n', fast, '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
      assert.equal(first.code, 0, first.stderr);
      // n/m tasks of the release and the time so far, on each change.
      assert.match(first.stderr, /task \w{12} \(release 1\) running \[\d\/1 task\(s\) of release 1 running, \d+\.\ds\]/);
      // An admin's maintenance lock stops every change, but not the answer that nothing changes.
      assert.equal((await admin.run(['app:lock', '-n', fast, '-m', 'maintenance'])).code, 0);
      const again = await admin.json<{ changed: boolean; release: number }>(['app:deploy', '-n', fast, '-i', 'localhost/hello', '-t', '1']);
      assert.deepEqual([again.changed, again.release], [false, 1]);
      const changed = await admin.run(['app:deploy', '-n', fast, '-i', 'localhost/hello', '-t', '2']);
      assert.notEqual(changed.code, 0);
      assert.match(changed.stderr, /locked by admin/);
      const line = logLines().findLast((l) => l.op === 'app.deploy' && l.app === fast && l.outcome === 'ok');
      assert.ok(line, 'the no-op deploy is in the agent log');
    } finally {
      await admin.run(['app:unlock', '-n', fast]);
      await removeApps(admin, fast);
    }
  });

  it('a hand-over to a newly installed agent drops no request: the deploy in flight finishes on the old daemon, new requests reach the new one', async () => {
    const before = daemonPid();
    const deploy = admin.run(['app:deploy', '-n', app, '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
    await until('the deploy to take the lock', async () => lockHolder(await admin.run(['app:lock', '-n', app, '--status', '--json'])) === 'admin', 20_000, 200);
    // Requests keep coming while the supervisor starts a new daemon and the old one drains.
    let stop = false;
    const answers: number[] = [];
    const load = (async () => {
      while (!stop) answers.push((await admin.run(['whoami', '--json'])).code);
    })();
    try {
      execFileSync('bash', [join(REPO, 'scripts/local-cluster.sh'), 'daemon'], { stdio: 'ignore' });
      const after = daemonPid();
      assert.notEqual(after, before, 'a new daemon serves');
      const deployed = await deploy;
      assert.equal(deployed.code, 0, deployed.stderr);
      await until('the old daemon to finish and exit', () => {
        try {
          process.kill(before, 0);
          return false;
        } catch {
          return true;
        }
      }, 30_000);
    } finally {
      stop = true;
      await load;
    }
    assert.ok(answers.length >= 3, `${answers.length} requests during the hand-over`);
    assert.deepEqual(answers.filter((code) => code !== 0), [], 'no request failed');
  });

  it('when the daemon is down, the relay says so in one line and the command fails', async () => {
    process.kill(supervisorPid(), 'SIGTERM');
    await until('the daemon to stop', () => {
      try {
        execFileSync('pgrep', ['-f', 'agent.js (supervise|daemon)']);
        return false;
      } catch {
        return true;
      }
    }, 20_000);
    const r = await admin.run(['whoami']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /the futuswarm agent daemon on .* does not answer \(it is not running\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    execFileSync('bash', [join(REPO, 'scripts/local-cluster.sh'), 'daemon'], { stdio: 'ignore' });
    const back = await admin.run(['whoami']);
    assert.equal(back.code, 0, back.stderr);
  });
});
