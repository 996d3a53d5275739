/**
 * The everyday tables end to end, on the real swarm over real SSH: times relative to now (ISO in
 * --json), --limit and its note, app:inspect's live tasks (--all for the rest), and app:logs
 * merged by time, of live tasks unless --all, --since as a while or a moment.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { removeApps } from '../helpers/cleanup.ts';

const APP = 'tb-web';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const RECENT = /(just now|\d+s ago|\d+m ago)/;

interface Task { id: string; state: string; desiredState: string; since: string }

describe('tables and logs', () => {
  let cli: CliSandbox;
  before(async () => {
    cli = await localSandbox();
    await removeApps(cli, APP);
    for (const tag of ['1', '2']) {
      const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', tag, '--port', '8000', '--health-path', '/healthz', '--replicas', '2']);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await removeApps(cli, APP);
  });

  it('app:releases: relative times, ISO in --json, --limit with a note of what it left out', async () => {
    const table = await cli.run(['app:releases', '-n', APP, '--limit', '1']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^\\*\\s+2\\s+deployed\\s.*${RECENT.source}`, 'm'));
    assert.doesNotMatch(table.stdout, /^\s+1\s+deployed/m);
    assert.match(table.stdout, /^older releases left out; use --limit to see them$/m);
    const { releases } = await cli.json<{ releases: { n: number; time: string }[] }>(['app:releases', '-n', APP]);
    assert.deepEqual(releases.map((r) => r.n), [2, 1]);
    assert.ok(releases.every((r) => ISO.test(r.time)), JSON.stringify(releases));
  });

  it('--limit and --since refuse bad values with exit 2', async () => {
    for (const argv of [['app:releases', '-n', APP, '--limit', '0'], ['app:images', '-n', APP, '--limit', 'x'], ['admin', 'audit', '--limit', '100000'], ['app:logs', '-n', APP, '--since', 'yesterday']]) {
      const r = await cli.run(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    }
  });

  it('admin audit: relative times and the note under a cut table', async () => {
    const r = await cli.run(['admin', 'audit', '--app', APP, '--limit', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${RECENT.source}\\s+\\S+\\s+app\\.deploy\\s+${APP}\\s+ok`, 'm'));
    assert.match(r.stdout, /older records left out; use --limit to see them/);
  });

  it('app:inspect: live tasks by default, every one with --all', async () => {
    const live = await cli.json<{ tasks: Task[] }>(['app:inspect', '-n', APP]);
    const all = await cli.json<{ tasks: Task[] }>(['app:inspect', '-n', APP, '--all']);
    assert.ok(live.tasks.length >= 2 && live.tasks.every((t) => !['shutdown', 'complete'].includes(t.state) && t.desiredState !== 'shutdown'), JSON.stringify(live.tasks));
    // Release 1's tasks, stopped by the update (still running out their grace period, or ended).
    assert.ok(all.tasks.some((t) => t.desiredState === 'shutdown'), JSON.stringify(all.tasks));
    assert.ok(all.tasks.every((t) => ISO.test(t.since)));
    const text = await cli.run(['app:inspect', '-n', APP]);
    assert.match(text.stdout, /^tasks: \(\d+ ended; --all lists them\)$/m);
    assert.doesNotMatch(text.stdout, /\sshutdown\s/);
  });

  it('app:logs: live tasks merged by time; --all adds the ended ones; --since takes a moment', async () => {
    const sources = (stdout: string) => new Set(stdout.split('\n').filter(Boolean).map((l) => l.split(' | ')[0]));
    const live = await cli.run(['app:logs', '-n', APP, '--timestamps']);
    assert.equal(live.code, 0, live.stderr);
    const times = live.stdout.split('\n').filter(Boolean).map((l) => Date.parse(l.split(' | ')[1]!.split(' ')[0]!));
    assert.ok(times.length > 2 && times.every((t, i) => i === 0 || t >= times[i - 1]!), live.stdout);
    const { tasks } = await cli.json<{ tasks: Task[] }>(['app:inspect', '-n', APP]);
    for (const s of sources(live.stdout)) assert.ok(tasks.some((t) => s!.includes(t.id.slice(0, 12))), `${s} is a live task`);
    const all = await cli.run(['app:logs', '-n', APP, '--all']);
    assert.ok(sources(all.stdout).size > sources(live.stdout).size, all.stdout);
    const since = await cli.run(['app:logs', '-n', APP, '--since', new Date(Date.now() - 60_000).toISOString()]);
    assert.equal(since.code, 0, since.stderr);
  });
});
