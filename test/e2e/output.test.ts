/**
 * What a script reading the CLI's output gets: a --json document larger than a pipe's buffer
 * arrives whole even when the reader is slow, and a reader that stops early (`| head`) gets no
 * stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLI, localSandbox, type CliSandbox } from '../helpers/cli.ts';

const APP = `out-${Date.now().toString(36)}`;
// The largest value a secret may have: its --json document is larger than a pipe holds (64 KiB).
const VALUE = 'v'.repeat(64 * 1024);

/**
 * Run the CLI as a shell runs `futuswarm … | reader`: stdout on a real pipe (64 KiB), read by
 * `reader`. The status is the CLI's own (pipefail; the reader exits 0).
 */
function throughPipe(env: Record<string, string>, args: string[], reader: string): { code: number | null; stdout: string; stderr: string } {
  // The CLI and its arguments are positional parameters, never part of the script.
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"$0" "$@" | ${reader}`, process.execPath, CLI, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('output through a pipe', () => {
  let admin: CliSandbox;
  before(async () => {
    admin = await localSandbox();
    const created = await admin.run(['app:create', '-n', APP]);
    assert.equal(created.code, 0, created.stderr);
    const set = await admin.run(['app:secrets', 'set', '-n', APP, 'BIG=-'], { input: VALUE });
    assert.equal(set.code, 0, set.stderr);
  });
  after(async () => {
    await admin.run(['app:remove', '-n', APP, '--purge', '--confirm', APP]);
  });

  it('a --json document larger than the pipe arrives whole to a slow reader', async () => {
    const r = throughPipe(admin.env, ['app:secrets', 'get', '-n', APP, 'BIG', '--json'], '(sleep 1.5; cat)');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 65536, `only ${r.stdout.length} bytes arrived`);
    assert.equal((JSON.parse(r.stdout) as { value: string }).value, VALUE);
  });

  it('a reader that stops early gets no stack trace', async () => {
    const r = throughPipe(admin.env, ['app:secrets', 'get', '-n', APP, 'BIG', '--json'], 'head -c 10 >/dev/null');
    assert.doesNotMatch(r.stderr, /EPIPE|Error:|at /, r.stderr);
    assert.equal(r.code, 0);
  });
});
