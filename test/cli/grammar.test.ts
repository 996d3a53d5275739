/**
 * One grammar: the new places of -n and the aliases send the agent the same request as the
 * canonical command line (the real CLI from source; a fake ssh keeps what it was sent).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { offlineCli, type OfflineCli } from '../helpers/offline-cli.ts';

/** [new form or alias, the canonical command line that must send the same]. */
const SAME: readonly (readonly [readonly string[], readonly string[]])[] = [
  [['apps'], ['app:list']],
  [['deploy', '-n', 'shop', '-i', 'nginx', '-t', '1.27'], ['app:deploy', '-n', 'shop', '-i', 'nginx', '-t', '1.27']],
  [['ps', '-n', 'shop'], ['app:inspect', '-n', 'shop']],
  [['open', '-n', 'shop'], ['app:inspect', '-n', 'shop']],
  [['logs', '-n', 'shop'], ['app:logs', '-n', 'shop']],
  [['run', '-n', 'shop', '--', 'true'], ['app:run', '-n', 'shop', '--', 'true']],
  [['config', '-n', 'shop'], ['app:secrets', 'list', '-n', 'shop']],
  [['app:domains', 'add', '-n', 'shop', 'shop.example.com'], ['app:domains', '-n', 'shop', 'add', 'shop.example.com']],
  [['app:domains', 'remove', '-n', 'shop', 'shop.example.com'], ['app:domains', '-n', 'shop', 'remove', 'shop.example.com']],
  [['app:owners', 'add', '-n', 'shop', 'bob'], ['app:owners', '-n', 'shop', 'add', 'bob']],
  [['admin', 'audit', '-n', 'shop'], ['admin', 'audit', '--app', 'shop']],
];

describe('new forms and aliases', () => {
  let cli: OfflineCli;
  before(async () => {
    cli = await offlineCli();
  });

  /** The op and arguments each run sent; the rest (protocol and CLI version) is the same for all. */
  async function sent(argv: readonly string[]): Promise<unknown[]> {
    const before = cli.requests().length;
    await cli.run(argv);
    return cli.requests().slice(before).map((r) => {
      const { op, args, lockWaitSeconds } = r as Record<string, unknown>;
      return { op, args, lockWaitSeconds };
    });
  }

  for (const [form, canonical] of SAME) {
    it(`${form.join(' ')} sends what ${canonical.join(' ')} sends`, async () => {
      const expected = await sent(canonical);
      assert.ok(expected.length > 0, `${canonical.join(' ')} sent nothing`);
      assert.deepEqual(await sent(form), expected);
    });
  }

  it('refuses two different apps in admin audit -n and --app, sending nothing', async () => {
    const before = cli.requests().length;
    const r = await cli.run(['admin', 'audit', '-n', 'shop', '--app', 'cart']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /-n shop and --app cart name two apps/);
    assert.equal(cli.requests().length, before);
  });

  it('suggests an alias or a command for a near miss', async () => {
    for (const [typed, meant] of [['apss', 'apps'], ['confg', 'config'], ['app:lsit', 'app:list']] as const) {
      const r = await cli.run([typed]);
      assert.equal(r.code, 2, `${typed}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`Did you mean ${meant}\\?`), typed);
    }
  });
});
