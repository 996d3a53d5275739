/**
 * Shell completion from a small commander tree: the tree as data, every command and option in
 * each shell's script, the scripts parsed by their shells, and bash, zsh and fish completing
 * real command lines against a fake `futuswarm` on PATH. The shells are installed by
 * scripts/local-cluster.sh (npm test); without one, its tests fail rather than skip.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Argument, Command } from 'commander';
import { renderCompletion, SHELLS } from '../../src/cli/completion/index.ts';
import { completionNodes, describeCommand } from '../../src/cli/completion/tree.ts';

function smallTree(): Command {
  const program = new Command('futuswarm').version('1.0.0', '-V, --version');
  program.option('--context <name>', 'cluster to talk to').option('--json', 'print JSON');
  program.command('app:list').description('list the apps');
  program.command('app:inspect').description("show an app's tasks").requiredOption('-n, --name <app>', 'app name');
  program
    .command('app:deploy')
    .description('deploy an image')
    .requiredOption('-n, --name <app>', 'app name')
    .option('--dockerfile <file>', 'the Dockerfile')
    .option('--health-path <path>', 'HTTP path of the health check')
    .option('--confirm <app>', 'type the app name');
  const secrets = program.command('app:secrets').description("manage an app's secrets");
  secrets.command('set').description('set secrets').requiredOption('-n, --name <app>', 'app name').argument('<assignments...>', 'KEY=value').option('--no-restart', "don't restart");
  const admin = program.command('admin').description('run the cluster');
  admin.command('node:drain').description('drain a node').argument('<name>', 'the node').option('--timeout <duration>', 'give up after');
  program.command('completion').description('print a script').addArgument(new Argument('<shell>').choices(['bash', 'zsh', 'fish']));
  program.command('context').description('the clusters').command('use').description('choose one').argument('<name>', 'context name');
  return program;
}

const root = describeCommand(smallTree());
const nodes = completionNodes(root);
const node = (path: string) => nodes.find((n) => n.path === path) ?? assert.fail(`no node ${path}`);
const kinds = (path: string) => Object.fromEntries(node(path).options.flatMap((o) => o.flags.map((f) => [f, o.value?.kind ?? '-'])));

describe('the command tree as completion sees it', () => {
  it('has a node for every command path, nested ones too', () => {
    assert.deepEqual(nodes.map((n) => n.path), ['', 'app:list', 'app:inspect', 'app:deploy', 'app:secrets', 'app:secrets set', 'admin', 'admin node:drain', 'completion', 'context', 'context use']);
    assert.deepEqual(node('admin').commands, [{ name: 'node:drain', description: 'drain a node' }]);
  });
  it('knows what each option takes: apps, contexts, files, nothing to complete, no value', () => {
    assert.deepEqual(kinds('app:deploy'), {
      '-n': 'app', '--name': 'app', '--dockerfile': 'file', '--health-path': 'any', '--confirm': 'any', '-h': '-', '--help': '-', '--context': 'context', '--json': '-',
    });
  });
  it('passes the options of the commands above down, but --version stays at the top', () => {
    assert.ok(kinds('')['--version']);
    assert.deepEqual(Object.keys(kinds('app:secrets set')), ['-n', '--name', '--no-restart', '-h', '--help', '--context', '--json']);
  });
  it('knows what each argument takes', () => {
    assert.deepEqual(node('app:secrets set').args, [{ name: 'assignments', value: { kind: 'any' }, variadic: true }]);
    assert.deepEqual(node('context use').args, [{ name: 'name', value: { kind: 'context' }, variadic: false }]);
    assert.deepEqual(node('completion').args, [{ name: 'shell', value: { kind: 'choice', values: ['bash', 'zsh', 'fish'] }, variadic: false }]);
  });
  it('refuses a name that a script could not hold as a plain word', () => {
    const bad = new Command('futuswarm');
    bad.command('app;rm');
    assert.throws(() => completionNodes(describeCommand(bad)), /plain word/);
  });
});

describe('the scripts', () => {
  const words = [...new Set(nodes.flatMap((n) => [...n.commands.map((c) => c.name), ...n.options.flatMap((o) => o.flags)]))];
  for (const shell of SHELLS) {
    it(`${shell}: holds every command and option`, () => {
      const script = renderCompletion(shell, root);
      for (const word of words) assert.ok(script.includes(word), `${shell} script lacks ${word}`);
      assert.match(script, /'admin node:drain'/);
      assert.match(script, /'app:secrets set'/);
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'futuswarm-completion-'));
  /** `shell -n file`: parse only. */
  function parses(shell: 'bash' | 'zsh' | 'fish'): void {
    const file = join(dir, `futuswarm.${shell}`);
    writeFileSync(file, renderCompletion(shell, root));
    const r = spawnSync(shell, ['-n', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 0, r.stderr);
  }
  it('bash: bash -n accepts it', () => parses('bash'));
  it('zsh: zsh -n accepts it', () => parses('zsh'));
  it('fish: fish -n accepts it', () => parses('fish'));
});

/** A `futuswarm` that lists two contexts and two apps, and writes down how it was called. */
function fakeCli(): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'futuswarm-completion-'));
  const pretty = (data: unknown) => JSON.stringify(data, null, 2);
  writeFileSync(join(dir, 'contexts.json'), pretty({ current: 'prod', contexts: [{ name: 'prod', hosts: ['m1'] }, { name: 'staging', hosts: ['s1'] }] }));
  writeFileSync(join(dir, 'apps.json'), pretty({ apps: [{ app: 'shop', image: 'shop', url: 'https://shop.example.com' }, { app: 'web', image: 'nginx' }] }));
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'futuswarm'),
    `#!/bin/sh\necho "$*" >> '${log}'\ncase "$*" in\n  '--context broken '*) echo 'error: no' >&2; exit 1 ;;\n  'context list --json') cat '${dir}/contexts.json' ;;\n  *'app:list --json -q') cat '${dir}/apps.json' ;;\n  *) echo 'error: no' >&2; exit 1 ;;\nesac\n`,
  );
  chmodSync(join(dir, 'futuswarm'), 0o755);
  return { bin: dir, log };
}

describe('bash completes', () => {
  const script = join(mkdtempSync(join(tmpdir(), 'futuswarm-completion-')), 'futuswarm.bash');
  writeFileSync(script, renderCompletion('bash', root));
  const fake = fakeCli();

  /** COMP_WORDS as bash splits the line: at ':' and '=' too. */
  function complete(words: readonly string[], options: { wordbreaks?: string } = {}): { replies: string[]; stderr: string } {
    const set = options.wordbreaks === undefined ? '' : `COMP_WORDBREAKS=${JSON.stringify(options.wordbreaks)}; `;
    const r = spawnSync('bash', ['--norc', '-c', `source "$0"; ${set}COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _futuswarm; printf '%s\\n' "\${COMPREPLY[@]}"`, script, ...words], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: `${fake.bin}:${process.env.PATH}` },
    });
    assert.equal(r.status, 0, r.stderr);
    return { replies: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr };
  }

  it('is registered for futuswarm', () => {
    const r = spawnSync('bash', ['--norc', '-c', 'source "$0"; complete -p futuswarm', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.stdout.trim(), 'complete -F _futuswarm futuswarm');
  });
  it('commands after app: (bash splits the word at the colon and replaces what follows it)', () => {
    assert.deepEqual(complete(['futuswarm', 'app', ':']).replies, ['list', 'inspect', 'deploy', 'secrets']);
    assert.deepEqual(complete(['futuswarm', 'app', ':', 'se']).replies, ['secrets']);
  });
  it('whole command names where the colon breaks no word', () => {
    assert.deepEqual(complete(['futuswarm', 'app:'], { wordbreaks: ' \t\n"\'><;|&(' }).replies, ['app:list', 'app:inspect', 'app:deploy', 'app:secrets']);
  });
  it('subcommands and their options, with the options of the commands above', () => {
    assert.deepEqual(complete(['futuswarm', 'app', ':', 'secrets', '']).replies, ['set']);
    assert.deepEqual(complete(['futuswarm', 'app', ':', 'secrets', 'set', '-']).replies, ['-n', '--name', '--no-restart', '-h', '--help', '--context', '--json']);
    assert.deepEqual(complete(['futuswarm', 'admin', 'node', ':', 'd']).replies, ['drain']);
  });
  it('--context with the contexts, also as --context=', () => {
    assert.deepEqual(complete(['futuswarm', '--context', '']).replies, ['prod', 'staging']);
    assert.deepEqual(complete(['futuswarm', '--context', '=', 's']).replies, ['staging']);
  });
  it('-n with the apps of the context named on the line', () => {
    assert.deepEqual(complete(['futuswarm', '--context', 'staging', 'app', ':', 'inspect', '-n', '']).replies, ['shop', 'web']);
    assert.match(readFileSync(fake.log, 'utf8'), /^--context staging app:list --json -q$/m);
    assert.deepEqual(complete(['futuswarm', 'app', ':', 'secrets', 'set', '--name', '=', 'w']).replies, ['web']);
  });
  it('choices and context names as arguments; nothing for free text', () => {
    assert.deepEqual(complete(['futuswarm', 'completion', '']).replies, ['bash', 'zsh', 'fish']);
    assert.deepEqual(complete(['futuswarm', 'context', 'use', 'p']).replies, ['prod']);
    assert.deepEqual(complete(['futuswarm', 'admin', 'node', ':', 'drain', '--timeout', '']).replies, []);
    assert.deepEqual(complete(['futuswarm', 'app', ':', 'deploy', '--confirm', '']).replies, []);
  });
  it('nothing, and nothing on the terminal, when the CLI cannot list or is not there', () => {
    assert.deepEqual(complete(['futuswarm', '--context', 'broken', 'app', ':', 'inspect', '-n', '']), { replies: [], stderr: '' });
    const r = spawnSync('bash', ['--norc', '-c', 'source "$0"; COMP_WORDS=(futuswarm app : inspect -n ""); COMP_CWORD=5; _futuswarm; echo "${#COMPREPLY[@]}"', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/bin:/bin' },
    });
    assert.deepEqual([r.stdout, r.stderr], ['0\n', '']);
  });
});

describe('zsh completes', () => {
  const fake = fakeCli();
  const script = join(fake.bin, '_futuswarm');
  writeFileSync(script, renderCompletion('zsh', root));
  /** zsh's completion builtins replaced by ones that print what they were given. */
  function complete(...words: string[]): string {
    const stubs = [
      'compdef() { :; }',
      '_describe() { print -r -- "${(@P)4}"; }',
      'compadd() { print -r -- "${(@P)2}"; }',
      'compset() { :; }',
      '_files() { print -r -- files; }',
    ].join('; ');
    const r = spawnSync('zsh', ['-f', '-c', `${stubs}; source "$0"; words=("$@"); CURRENT=$#; _futuswarm`, script, ...words], {
      encoding: 'utf8',
      env: { PATH: `${fake.bin}:${process.env.PATH}` },
    });
    return r.stdout.trim();
  }
  it('commands with their descriptions, options, apps and files', () => {
    assert.match(complete('futuswarm', ''), /^app\\:list:list the apps app\\:inspect:show an app's tasks/);
    assert.match(complete('futuswarm', 'app:secrets', 'set', '--'), /--name:app name --no-restart:don't restart/);
    assert.equal(complete('futuswarm', 'app:inspect', '-n', ''), 'shop web');
    assert.equal(complete('futuswarm', 'app:deploy', '--dockerfile', ''), 'files');
  });
});

describe('fish completes', () => {
  const fake = fakeCli();
  const script = join(fake.bin, 'futuswarm.fish');
  writeFileSync(script, renderCompletion('fish', root));
  function complete(line: string): string[] {
    const r = spawnSync('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', script, line], { encoding: 'utf8', env: { PATH: `${fake.bin}:${process.env.PATH}` } });
    assert.equal(r.stderr, '');
    return r.stdout.split('\n').filter((l) => l !== '');
  }
  it('commands with their descriptions, options, contexts and apps', () => {
    assert.deepEqual(complete('futuswarm app:i'), ["app:inspect\tshow an app's tasks"]);
    assert.deepEqual(complete('futuswarm admin '), ['node:drain\tdrain a node']);
    assert.deepEqual(complete('futuswarm app:secrets set --n'), ['--name\tapp name', "--no-restart\tdon't restart"]);
    assert.deepEqual(complete('futuswarm --context='), ['--context=prod', '--context=staging']);
    assert.deepEqual(complete('futuswarm app:inspect -n '), ['shop', 'web']);
  });
});
