/**
 * Exit codes: one table (src/cli/exit-code.ts, README "Exit codes"), as data. test/cli/exit-codes
 * runs the real CLI with bad input on every command.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, FutuswarmError } from '../../src/core/errors.ts';
import { EXIT, EXIT_CODE_OF_ERROR, exitCodeFor } from '../../src/cli/exit-code.ts';

describe('exit codes', () => {
  it('one table: 2 for invalid input, 130 for Ctrl-C, 1 for every other failure', () => {
    const byExit = (n: number) => ERROR_CODES.filter((c) => EXIT_CODE_OF_ERROR[c] === n);
    assert.deepEqual(byExit(EXIT.usage), ['invalid_input']);
    assert.deepEqual(byExit(EXIT.interrupted), ['interrupted']);
    assert.deepEqual(byExit(EXIT.failed), ERROR_CODES.filter((c) => c !== 'invalid_input' && c !== 'interrupted'));
    assert.deepEqual(EXIT, { ok: 0, failed: 1, usage: 2, interrupted: 130 });
  });

  it('an error exits by its code, whether the CLI or the agent raised it', () => {
    assert.equal(exitCodeFor(new FutuswarmError('invalid_input', '--name: must be a DNS label')), 2);
    assert.equal(exitCodeFor(new FutuswarmError('invalid_input', 'invalid arguments: args.app: …', { requestId: 'r-1' })), 2);
    assert.equal(exitCodeFor(new FutuswarmError('forbidden', 'alice may not change shop')), 1);
    assert.equal(exitCodeFor(new FutuswarmError('interrupted', 'stopped following')), 130);
  });

  it('commander: help and version asked for are answers (0), every other of its errors is usage (2)', () => {
    const commander = (code: string, exitCode: number) => Object.assign(new Error(code), { code, exitCode });
    assert.deepEqual(
      [
        commander('commander.helpDisplayed', 0),
        commander('commander.version', 0),
        commander('commander.help', 0),
        commander('commander.help', 1), // help shown because a subcommand is missing
        commander('commander.unknownOption', 1),
        commander('commander.missingMandatoryOptionValue', 1),
        commander('commander.invalidArgument', 1),
        commander('commander.excessArguments', 1),
      ].map(exitCodeFor),
      [0, 0, 0, 2, 2, 2, 2, 2],
    );
  });

  it('anything else is a failure', () => {
    assert.equal(exitCodeFor(new Error('boom')), 1);
    assert.equal(exitCodeFor(Object.assign(new Error('no such file'), { code: 'ENOENT' })), 1);
    assert.equal(exitCodeFor('a string'), 1);
    assert.equal(exitCodeFor(undefined), 1);
  });
});
