/** app:logs' output as data: each line as it comes, or with --json one document (JSON Lines with -f). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logsOutput } from '../../src/cli/commands/app-logs.ts';
import { terminal } from '../helpers/terminal-io.ts';

describe('app:logs', () => {
  const lines = [
    { source: 'shop.1.abc@node-1', stream: 'stdout' as const, line: 'GET / 200' },
    { stream: 'stderr' as const, line: 'warning: slow' },
  ];

  it('--json: every line gathered into one document', () => {
    const { io, out } = terminal('json');
    const output = logsOutput(io, 'shop', false);
    for (const l of lines) output.line(l);
    assert.equal(out.stdout, '');
    output.end();
    assert.deepEqual(JSON.parse(out.stdout), { app: 'shop', lines });
  });

  it('--json -f: one JSON object a line, as a stream that never ends can only be', () => {
    const { io, out } = terminal('json');
    const output = logsOutput(io, 'shop', true);
    for (const l of lines) output.line(l);
    output.end();
    assert.deepEqual(out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown), lines);
  });

  it('in a terminal: each line after its task, as it comes', () => {
    const { io, out } = terminal('human');
    const output = logsOutput(io, 'shop', false);
    for (const l of lines) output.line(l);
    output.end();
    assert.equal(out.stdout, 'shop.1.abc@node-1 | GET / 200\nshop | warning: slow\n');
  });
});
