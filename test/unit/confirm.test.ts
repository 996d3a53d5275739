import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confirmationRefused, type Destruction } from '../../src/core/confirm.ts';
import { FutuswarmError, parseWith } from '../../src/core/errors.ts';
import { appDestruction, confirmDestruction, type ConfirmTerminal } from '../../src/cli/confirm.ts';
import { removal } from '../../src/cli/commands/app-remove.ts';
import { validateArgs } from '../../src/cli/validate-args.ts';
import { OP_ARGS } from '../../src/protocol.ts';

const DB: Destruction = appDestruction('destroy the database of shop (its data is gone)', 'shop', 'db:destroy -n shop');

/** A terminal that answers `typed` (and records the question), or none at all. */
function terminal(typed: string | undefined, interactive = true): ConfirmTerminal & { asked: string[] } {
  const asked: string[] = [];
  return { interactive, asked, ask: async (q) => (asked.push(q), typed) };
}

/** The refusal's code, message and hint. */
async function refusal(p: Promise<unknown>): Promise<[string, string, string | undefined]> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FutuswarmError);
    return [e.code, e.message, e.hint];
  }
  assert.fail('not refused');
}

describe('confirming a destructive command', () => {
  it('--confirm with the name goes on without asking, even at a terminal', async () => {
    const t = terminal('never asked');
    assert.equal(await confirmDestruction(DB, 'shop', t), 'shop');
    assert.deepEqual(t.asked, []);
  });

  it('a wrong --confirm is refused (exit 2), naming what was given and the command that confirms', async () => {
    assert.deepEqual(await refusal(confirmDestruction(DB, 'blog', terminal('shop'))), [
      'invalid_input',
      'to destroy the database of shop (its data is gone), confirm with the app\'s name (got "blog"); nothing was changed',
      'futuswarm db:destroy -n shop --confirm shop',
    ]);
  });

  it('off a terminal, a missing --confirm is refused', async () => {
    const t = terminal('shop', false);
    assert.deepEqual(await refusal(confirmDestruction(DB, undefined, t)), [
      'invalid_input',
      'to destroy the database of shop (its data is gone), confirm with the app\'s name; nothing was changed',
      'futuswarm db:destroy -n shop --confirm shop',
    ]);
    assert.deepEqual(t.asked, []);
  });

  it('at a terminal it asks for the name: the name goes on, anything else (or Ctrl-D) is refused', async () => {
    const t = terminal(' shop\n');
    assert.equal(await confirmDestruction(DB, undefined, t), 'shop');
    assert.deepEqual(t.asked, ['To destroy the database of shop (its data is gone), type the app\'s name (shop): ']);
    assert.match((await refusal(confirmDestruction(DB, undefined, terminal('shp'))))[1], /confirm with the app's name \(got "shp"\); nothing was changed$/);
    assert.match((await refusal(confirmDestruction(DB, undefined, terminal(undefined))))[1], /confirm with the app's name; nothing was changed$/);
  });

  it('an app name that cannot exist is bad input before anyone is asked; other names are shown escaped', async () => {
    const t = terminal('x');
    await assert.rejects(confirmDestruction(appDestruction('remove \u001b[2J', '\u001b[2J', 'app:remove'), undefined, t), (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input' && /^--name: /.test(e.message));
    assert.deepEqual(t.asked, []);
    await refusal(confirmDestruction({ action: 'remove \u001b[2J', by: 'node', name: '\u001b[2J', rerun: 'futuswarm admin node:remove x' }, undefined, t));
    assert.equal(t.asked[0], 'To remove \\u001b[2J, type the node\'s name (\\u001b[2J): ');
  });

  it('app:remove says what goes, with and without --purge', () => {
    assert.deepEqual(removal('shop', false), {
      action: 'remove shop (its service stops; its secrets, releases, owners, database and cache stay)',
      by: 'app',
      name: 'shop',
      rerun: 'futuswarm app:remove -n shop --confirm shop',
    });
    assert.equal(removal('shop', true).rerun, 'futuswarm app:remove -n shop --purge --confirm shop');
    assert.match(removal('shop', true).action, /delete its secrets, releases, settings, owners, database and cache for good$/);
  });

  it('a long wrong name is cut in the message', () => {
    assert.equal(confirmationRefused(DB, 'x'.repeat(100)).message.includes(`"${'x'.repeat(60)}…"`), true);
  });
});

describe('the protocol checks the confirmation of every destructive op', () => {
  const cases: { op: keyof typeof OP_ARGS; args: Record<string, unknown>; name: string; by: string }[] = [
    { op: 'app.remove', args: { app: 'shop' }, name: 'shop', by: 'app' },
    { op: 'app.remove', args: { app: 'shop', purge: true }, name: 'shop', by: 'app' },
    { op: 'app.secrets.unset', args: { app: 'shop', keys: ['A'] }, name: 'shop', by: 'app' },
    { op: 'app.images.prune', args: { app: 'shop', keep: 3 }, name: 'shop', by: 'app' },
    { op: 'db.destroy', args: { app: 'shop' }, name: 'shop', by: 'app' },
    { op: 'cache.destroy', args: { app: 'shop' }, name: 'shop', by: 'app' },
    { op: 'admin.node.remove', args: { node: 'node-2', force: true }, name: 'node-2', by: 'node' },
  ];

  for (const { op, args, name, by } of cases) {
    it(`${op} ${JSON.stringify(args)}: only with confirm = ${name}`, () => {
      assert.equal(OP_ARGS[op].safeParse({ ...args, confirm: name }).success, true);
      for (const confirm of [undefined, `${name}x`, '']) {
        const request = confirm === undefined ? args : { ...args, confirm };
        assert.throws(() => parseWith(OP_ARGS[op], request, 'invalid arguments', { root: 'args' }), (e: unknown) => {
          assert.ok(e instanceof FutuswarmError);
          assert.equal(e.code, 'invalid_input');
          assert.match(e.message, /args\.confirm: /);
          if (confirm !== undefined) assert.match(e.message, new RegExp(`must be the ${by}'s name \\(${name}\\)`));
          return true;
        });
      }
    });
  }

  it('a dry run of app.images.prune deletes nothing and needs no confirmation', () => {
    assert.equal(OP_ARGS['app.images.prune'].safeParse({ app: 'shop', dryRun: true }).success, true);
  });

  it('the CLI names the flag', () => {
    assert.throws(() => validateArgs('app.remove', { app: 'shop', confirm: 'blog' }, { app: '--name', confirm: '--confirm' }), /^FutuswarmError: --confirm: must be the app's name \(shop\)/);
  });
});
