/** The command tree as data: which names and aliases exist, and that -n names the app on the command that acts. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { loadCommandTree } from '../../src/cli/command-tree.ts';
import { ALIASES, COMMAND_WORDS, COMMANDS, expandAlias } from '../../src/cli/registry.ts';
import { findCommandIndex } from '../../src/cli/main.ts';

/** Every command without subcommands, by its path. */
function leaves(cmd: Command, path: string[] = []): Map<string, Command> {
  const found = new Map<string, Command>();
  if (cmd.commands.length === 0) found.set(path.join(' '), cmd);
  for (const sub of cmd.commands) for (const [p, c] of leaves(sub, [...path, sub.name()])) found.set(p, c);
  return found;
}

const flagsOf = (cmd: Command): string[][] => cmd.options.map((o) => [o.short, o.long].filter((f): f is string => f !== undefined));

describe('the command tree', () => {
  let tree: Command;
  before(async () => {
    tree = await loadCommandTree();
  });

  it('has every command and every alias at the top, and nothing else', () => {
    assert.deepEqual(tree.commands.map((c) => c.name()).sort(), [...COMMAND_WORDS].sort());
    assert.deepEqual(
      ALIASES.map((a) => `${a.name}=${a.to.join(' ')}`),
      ['apps=app:list', 'deploy=app:deploy', 'logs=app:logs', 'ps=app:inspect', 'open=app:open', 'run=app:run', 'config=app:secrets list'],
    );
    for (const a of ALIASES) assert.ok(!COMMANDS.some((c) => c.name === a.name), `${a.name} is both a command and an alias`);
  });

  it('gives an alias the options and arguments of what it stands for', () => {
    const all = leaves(tree);
    for (const alias of ALIASES) {
      const target = all.get(alias.to.join(' '));
      const copy = all.get(alias.name);
      assert.ok(target && copy, alias.name);
      assert.deepEqual(flagsOf(copy), flagsOf(target), alias.name);
      assert.deepEqual(copy.registeredArguments.map((a) => a.name()), target.registeredArguments.map((a) => a.name()), alias.name);
    }
  });

  it('takes -n/--name on every command that acts on one app, after the (sub)command', () => {
    const noApp = new Set(['app:list', 'apps']);
    const acting = [...leaves(tree)].filter(([path]) => (/^(app|db|cache):/.test(path) || ALIASES.some((a) => a.name === path)) && !noApp.has(path));
    assert.ok(acting.length > 30);
    for (const [path, cmd] of acting) assert.ok(flagsOf(cmd).some((f) => f.join(',') === '-n,--name'), `${path} has no -n, --name of its own`);
    const audit = leaves(tree).get('admin audit');
    assert.ok(audit && flagsOf(audit).some((f) => f.join(',') === '-n,--name'), 'admin audit -n');
  });
});

describe('expandAlias', () => {
  it('puts the words of an alias where the command name stands, and leaves the rest', () => {
    const argv = ['--context', 'prod', 'config', '-n', 'shop'];
    assert.equal(findCommandIndex(argv), 2);
    assert.deepEqual(expandAlias(argv, 2), ['--context', 'prod', 'app:secrets', 'list', '-n', 'shop']);
    assert.deepEqual(expandAlias(['ps', '-n', 'shop'], 0), ['app:inspect', '-n', 'shop']);
    assert.deepEqual(expandAlias(['app:run', '-n', 'shop', '--', 'run'], 0), ['app:run', '-n', 'shop', '--', 'run']);
  });
});
