/**
 * --json: exactly one JSON document on stdout, whatever the command and however it ends; the
 * real CLI from source, where no cluster is needed.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { offlineCli, type OfflineCli } from '../helpers/offline-cli.ts';

/** The one JSON document on stdout; throws if there is anything else. */
const theDocument = (stdout: string): Record<string, unknown> => JSON.parse(stdout) as Record<string, unknown>;

describe('--json prints one document on stdout', () => {
  let cli: OfflineCli;
  before(async () => {
    cli = await offlineCli();
  });

  it('for commands whose output is text otherwise: completion, cluster:init to stdout, --version', async () => {
    const completion = await cli.run(['completion', 'bash', '--json']);
    assert.equal(completion.code, 0, completion.stderr);
    const { shell, script } = theDocument(completion.stdout) as { shell: string; script: string };
    assert.equal(shell, 'bash');
    assert.equal(script, (await cli.run(['completion', 'bash'])).stdout);

    const init = await cli.run(['admin', 'cluster:init', 'prod', '-o', '-', '--json']);
    assert.equal(init.code, 0, init.stderr);
    const doc = theDocument(init.stdout) as { cluster: string; file: string; text: string };
    assert.deepEqual([doc.cluster, doc.file], ['prod', '-']);
    assert.equal(doc.text, (await cli.run(['admin', 'cluster:init', 'prod', '-o', '-'])).stdout);

    const version = await cli.run(['--version', '--json']);
    assert.equal(version.code, 0);
    assert.equal(typeof theDocument(version.stdout).version, 'string');
  });

  it('for a missing command or subcommand: a usage error, exit 2', async () => {
    for (const argv of [['--json'], ['app:secrets', '--json'], ['admin', '--json']]) {
      const r = await cli.run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      const { error } = theDocument(r.stdout) as { error: { code: string; message: string; hint: string } };
      assert.equal(error.code, 'invalid_input', argv.join(' '));
      assert.match(error.message, /needs a command$/);
    }
  });

  it('for a failure to connect: the error document, exit 1', async () => {
    const r = await cli.run(['app:list', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const { error } = theDocument(r.stdout) as { error: { code: string; message: string } };
    assert.match(error.code, /^ssh_/);
    assert.match(error.message, /127\.0\.0\.1/);
  });

  it('for app:run and app:exec too: --json before `--` is the CLI\'s, after it the program\'s', async () => {
    const r = await cli.run(['app:run', '-n', 'shop', '--json', '--', 'sh', '-c', 'echo --json']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal((theDocument(r.stdout) as { error: { code: string } }).error.code.startsWith('ssh_'), true);
    const plain = await cli.run(['app:exec', '-n', 'shop', '--', 'echo', '--json']);
    assert.equal(plain.stdout, '');
    assert.match(plain.stderr, /^error: /m);
  });
});
