/**
 * Every command that prints a table or fields, run as a user runs it (the CLI from source, a
 * fake ssh answering as the agent would) with the longest values real clusters give: no line is
 * wider than 100 terminal columns, long values are cut with "…", and --json keeps them whole.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { offlineCli, type OfflineCli } from '../helpers/offline-cli.ts';
import { LONG_ANSWERS, LONG_APP, inspect } from '../helpers/long-results.ts';
import { inspectForOthers } from '../../src/agent/owners-only.ts';
import { displayWidth } from '../../src/core/terminal-text.ts';

const app = LONG_APP.slice(0, 40);

/** Each table-producing command, with the op whose answer it shows. */
const COMMANDS: readonly [string[], keyof typeof LONG_ANSWERS][] = [
  [['app:list'], 'app.list'],
  [['app:inspect', '-n', app], 'app.inspect'],
  [['app:inspect', '-n', app, '--all'], 'app.inspect'],
  [['app:releases', '-n', app], 'app.releases'],
  [['app:images', '-n', app], 'app.images'],
  [['admin', 'audit'], 'admin.audit'],
  [['admin', 'node:list'], 'admin.node.list'],
  [['admin', 'proxy:status'], 'admin.proxy.status'],
  [['admin', 'agent:status'], 'admin.agent.status'],
  [['app:secrets', 'list', '-n', app], 'app.secrets.list'],
  [['app:secrets', 'history', '-n', app], 'app.secrets.history'],
  [['admin', 'registry:list'], 'admin.registry.list'],
  [['whoami'], 'whoami'],
  [['db:info', '-n', app], 'db.info'],
  [['cache:info', '-n', app], 'cache.info'],
];

const tooWide = (stdout: string): string[] => stdout.split('\n').filter((line) => displayWidth(line) > 100);

describe('human output fits 100 columns', () => {
  let cli: OfflineCli;
  let others: OfflineCli;
  before(async () => {
    cli = await offlineCli({ answers: LONG_ANSWERS });
    others = await offlineCli({ answers: { ...LONG_ANSWERS, 'app.inspect': inspectForOthers(inspect) } });
  });

  for (const [argv, op] of COMMANDS) {
    it(`${argv.join(' ')}: no line wider than 100 columns, long values cut with …`, async () => {
      const r = await cli.run(argv);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(tooWide(r.stdout), []);
      assert.match(r.stdout, /…/);
      assert.ok(cli.requests().some((q) => (q as { op: string }).op === op));
    });
  }

  it('app:inspect as a non-owner sees it too', async () => {
    const r = await others.run(['app:inspect', '-n', app]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tooWide(r.stdout), []);
  });

  it('context list (read from the config file): no line wider than 100 columns', async () => {
    const hosts = Array.from({ length: 7 }, (_, i) => `manager-${i + 1}.eu-north-1.compute.internal.example-company.com`).join(',');
    const added = await cli.run(['context', 'add', 'production-eu-north-1', '--host', hosts, '--domain', 'apps.production.eu-north-1.example-company.com']);
    assert.equal(added.code, 0, added.stderr);
    const r = await cli.run(['context', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tooWide(r.stdout), []);
    assert.match(r.stdout, /^ {3}production-eu-north-1 {2}futuswarm@manager-1\.\S*… {2}apps\.production\S*$/m);
    assert.match((await cli.run(['context', 'list', '--json'])).stdout, /manager-7\.eu-north-1\.compute\.internal\.example-company\.com/);
  });

  it('--json is never cut', async () => {
    for (const argv of [['app:list'], ['app:releases', '-n', app], ['app:images', '-n', app], ['admin', 'node:list'], ['app:inspect', '-n', app, '--all']]) {
      const r = await cli.run([...argv, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.includes('…'), false, argv.join(' '));
    }
    const list = JSON.parse((await cli.run(['app:list', '--json'])).stdout) as unknown;
    assert.deepEqual(list, LONG_ANSWERS['app.list']);
  });
});
