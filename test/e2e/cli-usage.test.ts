/**
 * Help and usage errors as a newcomer meets them: the real binary, no cluster needed. Every
 * command and admin subcommand has a help page with its flags, `help <command>` is the same
 * page, and a usage error is exit code 2 (with --json, a JSON error).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_COMMANDS } from '../../src/cli/commands/admin.ts';
import { COMMANDS } from '../../src/cli/registry.ts';
import { runCli } from '../helpers/cli.ts';

const env = { ...(process.env as Record<string, string>), NO_COLOR: '1' };
const cli = (...args: string[]) => runCli(args, { env });

describe('help', () => {
  it('the top-level help lists every command', async () => {
    const r = await cli('--help');
    assert.equal(r.code, 0);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^ {2}${c.name} `, 'm'), c.name);
  });

  it('every command and admin subcommand has a page with its usage and options', async () => {
    const pages = [...COMMANDS.filter((c) => c.name !== 'admin').map((c) => [c.name]), ...ADMIN_COMMANDS.map((c) => ['admin', c.name])];
    for (const page of pages) {
      const r = await cli(...page, '--help');
      assert.equal(r.code, 0, `${page.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: futuswarm ${page.join(' ')} `, 'm'), page.join(' '));
      assert.match(r.stdout, /^Options:$/m, page.join(' '));
      assert.match(r.stdout, /^Examples?:$/m, `${page.join(' ')} has examples`);
    }
  });

  it('`help <command>` shows the same page as `<command> --help`, flags included', async () => {
    for (const page of [['app:scale'], ['app:deploy'], ['admin', 'cluster:ldap-password']]) {
      const viaHelp = await cli('help', ...page);
      const viaFlag = await cli(...page, '--help');
      assert.equal(viaHelp.code, 0, viaHelp.stderr);
      assert.equal(viaHelp.stdout, viaFlag.stdout, page.join(' '));
    }
    assert.match((await cli('help', 'app:scale')).stdout, /<replicas>[\s\S]*-n, --name <app>/);
    assert.match((await cli('help')).stdout, /^Usage: futuswarm \[options\] \[command\]/);
  });

  it('`help` of an unknown command says so and suggests the near one', async () => {
    const r = await cli('help', 'app:lis');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'app:lis'[\s\S]*Did you mean app:list\?/);
  });

  it('a usage error exits 2 and changes nothing; with --json it is a JSON error on the same stream as other errors', async () => {
    const plain = await cli('app:scale', '3');
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /^error: required option '-n, --name <app>' not specified$/m);
    const json = await cli('app:list', '--bogus', '--json');
    assert.equal(json.code, 2);
    const { error } = JSON.parse(json.stdout || json.stderr) as { error: { code: string; message: string } };
    assert.deepEqual([error.code, error.message], ['invalid_input', "unknown option '--bogus'"]);
    const other = await cli('app:scale', '-n', 'Bad_Name', '3', '--json');
    assert.equal(Boolean(json.stdout), Boolean(other.stdout), 'usage errors and other errors go to the same stream');
  });
});
