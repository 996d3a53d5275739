/**
 * `app:run -it`: a one-off task of the app with this terminal's input and a terminal of its
 * own, the app's secrets in its environment, the exit code passed through, and nothing left
 * behind (the container holds the secrets).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { runHoldingInput } from '../helpers/terminal.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `runit-${run}`;
const SECRET = `s3cr3t-${run}`;

/** Containers of the app's one-off tasks, running or not. */
const jobContainers = (): string[] =>
  execFileSync('docker', ['ps', '-aq', '--filter', `label=futuswarm.job.app=${APP}`], { encoding: 'utf8' }).split('\n').filter(Boolean);

describe('app:run with input and a terminal', () => {
  let cli: CliSandbox;
  before(async () => {
    cli = await localSandbox();
    const deployed = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.equal((await cli.run(['app:secrets', 'set', '-n', APP, `TOKEN=${SECRET}`])).code, 0);
  });
  after(async () => {
    await removeApps(cli, APP);
  });

  it('-i passes this side\'s input to the command, and its exit code back', async () => {
    const r = await cli.run(['app:run', '-n', APP, '-i', '--', 'sh', '-c', 'cat; exit 3'], { input: 'line one\nline two\n' });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'line one\nline two\n');
    assert.deepEqual(jobContainers(), [], 'the one-off task and its container are gone');
  });

  it('-it gives the command a terminal and the app\'s secrets, and leaves this terminal as it was', async () => {
    const command = [process.execPath, join(REPO, 'bin/futuswarm.cjs'), 'app:run', '-n', APP, '-it', '--', 'sh', '-c', 'tty; echo "token=$TOKEN"; echo done']
      .map((a) => `'${a}'`)
      .join(' ');
    const r = await runHoldingInput('script', ['-qec', `stty -g; ${command}; echo "exit=$?"; stty -g`, '/dev/null'], cli.env, 90_000);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^/dev/pts/\\d+\\r\\ntoken=${SECRET}\\r\\ndone\\r\\nexit=0\\r\\n`, 'm'), JSON.stringify(r.stdout));
    const settings = r.stdout.split(/\r?\n/).filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l.trim()));
    assert.equal(settings.length, 2, r.stdout);
    assert.equal(settings[0], settings[1], 'raw mode is undone');
    assert.deepEqual(jobContainers(), []);
  });
});
