/**
 * `futuswarm doctor` and `futuswarm completion` as a user runs them: the real CLI binary
 * against the local cluster, and the bash script sourced in a real bash.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/registry.ts';
import { CLI, LOCAL, localSandbox, type CliSandbox } from '../helpers/cli.ts';

interface DoctorDocument {
  checks: { name: string; ok: boolean; detail: string; fix?: string }[];
}

describe('futuswarm doctor', () => {
  let local: CliSandbox;
  let nowhere: CliSandbox;
  before(async () => {
    local = await localSandbox();
    // Nothing listens on 127.0.0.2: the connection is refused at once.
    nowhere = await localSandbox({ hosts: ['127.0.0.2'] });
  });

  it('passes every check with the local context, and exits 0', async () => {
    const r = await local.run(['doctor']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const checks = lines.slice(0, lines.indexOf(''));
    for (const name of ['ssh client', 'docker CLI', 'context', `ssh ${LOCAL.host}:${LOCAL.port}`, 'agent', 'identity', 'proxy', 'state bucket']) {
      assert.ok(checks.some((l) => l.startsWith(`✓ ${name} `)), `no ✓ ${name} in:\n${r.stdout}`);
    }
    assert.ok(checks.every((l) => l.startsWith('✓ ')), r.stdout);
    assert.equal(lines.at(-1), 'all checks passed');
    assert.doesNotMatch(r.stdout, /\x1b\[/, 'NO_COLOR is set');
  });

  it('--json prints one document, every check ok', async () => {
    const r = await local.run(['doctor', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as DoctorDocument;
    assert.deepEqual(Object.keys(doc), ['checks']);
    assert.ok(doc.checks.length >= 8);
    assert.deepEqual(doc.checks.filter((c) => !c.ok), []);
    assert.match(doc.checks.find((c) => c.name === 'agent')?.detail ?? '', /^speaks protocol v1/);
  });

  it('a context whose only manager does not answer: exit 1, naming the fix', async () => {
    const r = await nowhere.run(['doctor']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^✗ ssh 127\\.0\\.0\\.2:${LOCAL.port} +unreachable: Connection refused$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ +fix: check that the manager is up and that this machine reaches 127\\.0\\.0\\.2 on port ${LOCAL.port}`, 'm'));
    assert.match(r.stdout, /^✗ agent +no manager answered$/m);

    const json = await nowhere.run(['doctor', '--json']);
    assert.equal(json.code, 1);
    const failed = (JSON.parse(json.stdout) as DoctorDocument).checks.filter((c) => !c.ok);
    assert.deepEqual(failed.map((c) => c.name), [`ssh 127.0.0.2:${LOCAL.port}`, 'agent']);
    assert.ok(failed.every((c) => c.fix));
  });
});

describe('futuswarm completion', () => {
  const APP = `cmpl-${Date.now().toString(36)}`;
  let local: CliSandbox;
  let script: string;
  let bin: string;
  before(async () => {
    local = await localSandbox();
    const r = await local.run(['completion', 'bash']);
    assert.equal(r.code, 0, r.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'futuswarm-completion-'));
    script = join(dir, 'futuswarm.bash');
    writeFileSync(script, r.stdout);
    // The script runs `futuswarm` for contexts and apps: this CLI, as a user's PATH has it.
    bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'futuswarm'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(join(bin, 'futuswarm'), 0o755);
    const created = await local.run(['app:create', '-n', APP]);
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await local?.run(['app:remove', '-n', APP, '--purge', '--confirm', APP]);
  });

  /** Source the script in bash and run `commands` there. */
  function inBash(commands: string): string {
    const r = spawnSync('bash', ['--norc', '-c', `source "$0"; ${commands}`, script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...local.env, PATH: `${bin}:${local.env.PATH}` },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout;
  }
  /** What TAB offers after `words` (as bash splits them: at ':' and '=' too). */
  function complete(...words: string[]): string[] {
    const set = `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}`;
    return inBash(`${set}; _futuswarm; printf '%s\\n' "\${COMPREPLY[@]}"`).split('\n').filter((l) => l !== '');
  }

  it('bash: sourcing the script registers the completion', () => {
    assert.equal(inBash('complete -p futuswarm').trim(), 'complete -F _futuswarm futuswarm');
    assert.match(inBash('compgen -A function'), /^_futuswarm$/m);
  });

  it('bash: futuswarm app: offers every app command', () => {
    const appCommands = COMMANDS.filter((c) => c.name.startsWith('app:')).map((c) => c.name.slice('app:'.length));
    assert.deepEqual(complete('futuswarm', 'app', ':'), appCommands);
    assert.deepEqual(complete('futuswarm', 'app', ':', 'secrets', ''), ['set', 'import', 'unset', 'list', 'get', 'export', 'history']);
    assert.deepEqual(complete('futuswarm', 'admin', 'proxy', ':'), ['deploy', 'status']);
  });

  it('bash: --context offers the contexts, -n the apps of the cluster', () => {
    assert.deepEqual(complete('futuswarm', '--context', ''), ['local']);
    assert.ok(complete('futuswarm', 'app', ':', 'inspect', '-n', '').includes(APP));
    assert.ok(complete('futuswarm', '--context', 'local', 'app', ':', 'secrets', 'list', '--name', '=', 'cmpl-').includes(APP));
  });

  it('an unknown shell exits 2 and names the shells', async () => {
    const r = await local.run(['completion', 'nope']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /bash, zsh, fish/);
  });
});
