/**
 * The real CLI (from source, no cluster) exits 2 for bad input on every command, before it
 * connects anywhere: a fake ssh and docker note every call (test/helpers/offline-cli.ts).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { offlineCli, type OfflineCli } from '../helpers/offline-cli.ts';

const BAD = 'Bad_Name';

/** `--json` among the CLI's own options: after `--` it would be the remote program's. */
const withJson = (argv: readonly string[]): string[] => {
  const end = argv.indexOf('--');
  return end < 0 ? [...argv, '--json'] : [...argv.slice(0, end), '--json', ...argv.slice(end)];
};

/** Every command that names an app, with an invalid name and otherwise valid arguments. */
const WITH_BAD_APP: readonly string[][] = [
  ['app:create', '-n', BAD],
  ['app:deploy', '-n', BAD, '-i', 'nginx', '-t', '1.27'],
  ['app:push', '-n', BAD, '-i', 'shop:1.4'],
  ['app:images', '-n', BAD],
  ['app:images', '-n', BAD, '--prune'],
  ['app:inspect', '-n', BAD],
  ['app:remove', '-n', BAD, '--confirm', BAD],
  ['app:secrets', 'set', '-n', BAD, 'A=1'],
  ['app:secrets', 'set', '-n', BAD, 'A=-'],
  ['app:secrets', 'import', '-n', BAD, '-'],
  ['app:secrets', 'unset', '-n', BAD, 'A'],
  ['app:secrets', 'list', '-n', BAD],
  ['app:secrets', 'get', '-n', BAD, 'A'],
  ['app:secrets', 'export', '-n', BAD],
  ['app:secrets', 'history', '-n', BAD],
  ['app:domains', '-n', BAD],
  ['app:domains', '-n', BAD, 'add', 'shop.example.com'],
  ['app:domains', 'add', '-n', BAD, 'shop.example.com'],
  ['app:releases', '-n', BAD],
  ['app:rollback', '-n', BAD],
  ['app:scale', '-n', BAD, '2'],
  ['app:restart', '-n', BAD],
  ['app:logs', '-n', BAD],
  ['app:run', '-n', BAD, '--', 'true'],
  ['app:exec', '-n', BAD, '--', 'true'],
  ['app:lock', '-n', BAD],
  ['app:unlock', '-n', BAD],
  ['app:owners', '-n', BAD],
  ['app:owners', '-n', BAD, 'add', 'bob'],
  ['app:owners', 'add', '-n', BAD, 'bob'],
  ['app:open', '-n', BAD],
  ['ps', '-n', BAD],
  ['config', '-n', BAD],
  ['logs', '-n', BAD],
  ['db:create', '-n', BAD],
  ['db:info', '-n', BAD],
  ['db:destroy', '-n', BAD, '--confirm', BAD],
  ['cache:create', '-n', BAD],
  ['cache:info', '-n', BAD],
  ['cache:destroy', '-n', BAD, '--confirm', BAD],
  ['admin', 'audit', '--app', BAD],
  ['admin', 'audit', '-n', BAD],
];

/** Bad flags and usage, found by commander or by the CLI. */
const BAD_USAGE: readonly string[][] = [
  ['app:scale', '-n', 'shop', 'x'],
  ['app:scale', '-n', 'shop', '200'],
  ['app:deploy', '-n', 'shop', '-i', 'nginx', '--port', 'abc'],
  ['app:deploy', '-n', 'shop', '-i', 'BAD IMAGE'],
  ['app:logs', '-n', 'shop', '--since', 'soon'],
  ['app:logs', '-n', 'shop', '--since', '2099-13-45'],
  ['app:releases', '-n', 'shop', '--limit', '0'],
  ['app:images', '-n', 'shop', '--limit', 'ten'],
  ['admin', 'audit', '--limit', '-3'],
  ['app:inspect', '-n', 'shop', '--all', 'extra'],
  ['app:list', '--bogus'],
  ['app:bogus'],
  ['apss'],
  ['cache:info'],
  ['whoami', 'extra'],
  ['completion', 'tcsh'],
  ['admin', 'node:drain', 'bad name!'],
];

describe('the CLI exits 2 for bad input, before it connects anywhere', () => {
  let cli: OfflineCli;
  before(async () => {
    cli = await offlineCli();
  });

  it('the test can tell: a valid request does try ssh (and fails 1)', async () => {
    const r = await cli.run(['app:inspect', '-n', 'shop']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(cli.contacted().join('\n'), /^ssh .*127\.0\.0\.1/m);
  });

  it('an invalid app name, on every command that takes one', async () => {
    const before = cli.contacted().length;
    const runs = await Promise.all(WITH_BAD_APP.map(async (argv) => ({ argv, r: await cli.run(argv) })));
    for (const { argv, r } of runs) {
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error: --(name|app): must be a DNS label/m, argv.join(' '));
    }
    assert.deepEqual(cli.contacted().slice(before), []);
  });

  it('the same with --json: exit 2 and one invalid_input document on stdout', async () => {
    const before = cli.contacted().length;
    // One of each way a name is checked: by the command, by the request's schema, by a parent's option, after `--`.
    const some = WITH_BAD_APP.filter(([name, sub]) => ['app:deploy', 'app:inspect', 'app:domains', 'app:run', 'admin'].includes(name!) || sub === 'import');
    const runs = await Promise.all(some.map(async (argv) => ({ argv, r: await cli.run(withJson(argv)) })));
    for (const { argv, r } of runs) {
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } };
      assert.equal(error.code, 'invalid_input', argv.join(' '));
    }
    assert.deepEqual(cli.contacted().slice(before), []);
  });

  it('a missing docker CLI is a failure of this machine (1), not of the command line', async () => {
    const r = await cli.run(['app:push', '-n', 'shop', '-i', 'shop:1.4'], { env: { FUTUSWARM_DOCKER_CLI: '/nonexistent/docker' } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: cannot run docker: .*ENOENT/m);
  });

  it('bad flags and usage', async () => {
    const before = cli.contacted().length;
    const runs = await Promise.all(BAD_USAGE.map(async (argv) => ({ argv, r: await cli.run(argv) })));
    for (const { argv, r } of runs) assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    const json = await Promise.all(BAD_USAGE.map((argv) => cli.run(withJson(argv))));
    for (const [i, r] of json.entries()) {
      assert.equal(r.code, 2, `${BAD_USAGE[i]?.join(' ')}: ${r.stderr}`);
      assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'invalid_input');
    }
    assert.deepEqual(cli.contacted().slice(before), []);
  });
});
