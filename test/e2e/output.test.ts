/**
 * What a script reading the CLI's output gets: a --json document larger than a pipe's buffer
 * arrives whole even when the reader is slow, and a reader that stops early (`| head`) gets no
 * stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLI, localSandbox, type CliSandbox } from '../helpers/cli.ts';

const APP = `out-${Date.now().toString(36)}`;
// The largest value a secret may have: its --json document is larger than a pipe holds (64 KiB).
const VALUE = 'v'.repeat(64 * 1024);

/** Run the CLI with stdout on a pipe that is read only after `delayMs`, or closed after `closeAfter` bytes. */
function throughPipe(env: Record<string, string>, args: string[], o: { delayMs?: number; closeAfter?: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.pause();
    setTimeout(() => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (o.closeAfter !== undefined && stdout.length >= o.closeAfter) child.stdout.destroy();
      });
      child.stdout.resume();
    }, o.delayMs ?? 0);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
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
    const r = await throughPipe(admin.env, ['app:secrets', 'get', '-n', APP, 'BIG', '--json'], { delayMs: 1500 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 65536, `only ${r.stdout.length} bytes arrived`);
    assert.equal((JSON.parse(r.stdout) as { value: string }).value, VALUE);
  });

  it('a reader that stops early gets no stack trace', async () => {
    const r = await throughPipe(admin.env, ['app:secrets', 'get', '-n', APP, 'BIG', '--json'], { closeAfter: 10 });
    assert.doesNotMatch(r.stderr, /EPIPE|Error:|at /, r.stderr);
    assert.equal(r.code, 0);
  });
});
