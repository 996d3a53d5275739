/**
 * A --json document far larger than a pipe's buffer arrives whole through a real shell pipe to
 * a reader that only starts reading after a while, and the exit code is the CLI's own: the CLI
 * (from source, no cluster) exits only once its output has drained (src/cli/exit.ts).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { SOURCE_CLI, throughPipe } from '../helpers/cli.ts';
import { offlineCli, type OfflineCli } from '../helpers/offline-cli.ts';

const CONTEXTS = 6000;
const MIB = 1024 * 1024;

describe('output through a pipe', () => {
  let cli: OfflineCli;
  before(async () => {
    cli = await offlineCli();
    // Many contexts, each with a long key path: `context list --json` renders them offline.
    const contexts = Object.fromEntries(
      Array.from({ length: CONTEXTS }, (_, i) => [`ctx-${i}`, { hosts: [`m${i}.example.test`], domain: 'apps.example.test', identityFile: `/keys/${'k'.repeat(120)}/${i}` }]),
    );
    // JSON is YAML: the contexts file reads it as it is.
    writeFileSync(join(cli.env.XDG_CONFIG_HOME!, 'futuswarm/contexts.yaml'), JSON.stringify({ current: 'ctx-0', contexts }));
  });

  it('a --json document of more than 1 MiB arrives whole to a slow reader, exit code 0', () => {
    const r = throughPipe(cli.env, ['context', 'list', '--json'], '(sleep 1; cat)', SOURCE_CLI);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > MIB, `only ${r.stdout.length} bytes arrived`);
    const doc = JSON.parse(r.stdout) as { current: string; contexts: { name: string; identityFile: string }[] };
    assert.equal(doc.contexts.length, CONTEXTS);
    assert.equal(doc.contexts.at(-1)?.identityFile, `/keys/${'k'.repeat(120)}/${CONTEXTS - 1}`);
  });

  it('a reader that stops early gets no stack trace', () => {
    const r = throughPipe(cli.env, ['context', 'list', '--json'], 'head -c 10 >/dev/null', SOURCE_CLI);
    assert.doesNotMatch(r.stderr, /EPIPE|Error:|at /, r.stderr);
    assert.equal(r.code, 0);
  });
});
