/**
 * What the agent reads from an image's EXPOSE lines (localhost/hello exposes 8000): a new app
 * without --port is told the port, and its name stays free; a deploy with another port is
 * warned before it goes live, whether the image is on the manager or only in the cluster registry.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `ports-${run}`;

describe('EXPOSE hints', () => {
  let cli: CliSandbox;
  before(async () => {
    cli = await localSandbox();
  });
  after(async () => {
    await removeApps(cli, APP);
  });

  it('a new app without --port is told the port its image exposes, and nothing is deployed', async () => {
    const r = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: ports-\S+ is a new app: say which port it listens on/);
    assert.match(r.stderr, /hint: the image exposes port 8000: futuswarm app:deploy -n ports-\S+ -i localhost\/hello:1 --port 8000/);
    // Refused input changes nothing: the name the first deploy claimed is free again.
    const owners = await cli.run(['app:owners', '-n', APP]);
    assert.equal(owners.code, 1, owners.stdout);
    assert.match(owners.stderr, new RegExp(`there is no app named ${APP} on this cluster`));
  });

  it('a port the image does not expose is warned about before the deploy goes live; the right one is not', async () => {
    const wrong = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8080', '--dry-run']);
    assert.equal(wrong.code, 0, wrong.stderr);
    assert.match(wrong.stderr, /warning: localhost\/hello:1 exposes port 8000, not 8080: the proxy and the health check use 8080; if the app listens on 8000, deploy with --port 8000/);
    const right = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello:1', '--port', '8000', '--push']);
    assert.equal(right.code, 0, right.stderr);
    assert.doesNotMatch(right.stderr, /exposes/);
  });

  it('an image only in the cluster registry is read from there', async () => {
    // The last deploy pushed it to the cluster registry; without the name on this engine, only the registry knows it.
    const { image } = await cli.json<{ image: string }>(['app:inspect', '-n', APP]);
    assert.ok(image.startsWith('127.0.0.1:'), image);
    execFileSync('docker', ['image', 'rm', image], { stdio: 'ignore' });
    assert.throws(() => execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }), 'the manager\'s engine no longer has it');
    const wrong = await cli.run(['app:deploy', '-n', APP, '-i', image, '--port', '9999', '--dry-run']);
    assert.equal(wrong.code, 0, wrong.stderr);
    assert.match(wrong.stderr, /exposes port 8000, not 9999/);
  });
});
