/**
 * What a script reading the CLI's output gets: a --json document larger than a pipe's buffer
 * arrives whole even when the reader is slow, and a reader that stops early (`| head`) gets no
 * stack trace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localSandbox, throughPipe, type CliSandbox } from '../helpers/cli.ts';
import { removeApps } from '../helpers/cleanup.ts';

const APP = `out-${Date.now().toString(36)}`;
// The largest value a secret may have: its --json document is larger than a pipe holds (64 KiB).
const VALUE = 'v'.repeat(64 * 1024);

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
    await removeApps(admin, APP);
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
