/**
 * Every destructive command asks for the name of what it destroys, the same way: `--confirm
 * NAME` off a terminal, the name typed at one. A missing or wrong name is exit 2 and changes
 * nothing, and the agent refuses a request without it whoever sends it.
 * (admin cluster:destroy is confirmed the same way: test/e2e/admin-cluster.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI, localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { rawRequest } from '../helpers/agent-request.ts';
import { removeServiceIfExists, serviceExists, serviceVersion } from '../helpers/docker.ts';
import { typeAtTerminal } from '../helpers/terminal.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `cf-${run}`;

interface What { version: number; secrets: string[]; releases: number; nodes: string[] }

describe('destructive commands are confirmed by name', () => {
  let cli: CliSandbox;
  let node: string;
  const what = async (): Promise<What> => ({
    version: serviceVersion(APP),
    secrets: (await cli.json<{ keys: { key: string }[] }>(['app:secrets', 'list', '-n', APP])).keys.map((k) => k.key),
    releases: (await cli.json<{ releases: unknown[] }>(['app:releases', '-n', APP])).releases.length,
    nodes: (await cli.json<{ nodes: { name: string }[] }>(['admin', 'node:list'])).nodes.map((n) => n.name).sort(),
  });

  before(async () => {
    cli = await localSandbox();
    removeServiceIfExists(APP);
    const deployed = await cli.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.equal((await cli.run(['app:secrets', 'set', '-n', APP, 'GREETING=hi'])).code, 0);
    node = (await cli.json<{ nodes: { name: string }[] }>(['admin', 'node:list'])).nodes[0]!.name;
  });
  after(async () => {
    await removeApps(cli, APP);
  });

  const commands = (): { argv: string[]; by: string; name: string; rerun: string }[] => [
    { argv: ['app:remove', '-n', APP], by: 'app', name: APP, rerun: `futuswarm app:remove -n ${APP} --confirm ${APP}` },
    { argv: ['app:remove', '-n', APP, '--purge'], by: 'app', name: APP, rerun: `futuswarm app:remove -n ${APP} --purge --confirm ${APP}` },
    { argv: ['app:secrets', 'unset', '-n', APP, 'GREETING'], by: 'app', name: APP, rerun: `futuswarm app:secrets unset -n ${APP} GREETING --confirm ${APP}` },
    { argv: ['app:images', '-n', APP, '--prune', '--keep', '1'], by: 'app', name: APP, rerun: `futuswarm app:images -n ${APP} --prune --keep 1 --confirm ${APP}` },
    { argv: ['db:destroy', '-n', APP], by: 'app', name: APP, rerun: `futuswarm db:destroy -n ${APP} --confirm ${APP}` },
    { argv: ['cache:destroy', '-n', APP], by: 'app', name: APP, rerun: `futuswarm cache:destroy -n ${APP} --confirm ${APP}` },
    { argv: ['admin', 'node:remove', node, '--force'], by: 'node', name: node, rerun: `futuswarm admin node:remove ${node} --force --confirm ${node}` },
  ];

  it('off a terminal, each one without --confirm or with another name is refused (exit 2), naming the command that confirms it; nothing changes', async () => {
    const before = await what();
    for (const { argv, by, rerun } of commands()) {
      for (const [extra, got] of [[[], ''], [['--confirm', 'someone-else'], ' \\(got "someone-else"\\)']] as const) {
        const r = await cli.run([...argv, ...extra]);
        assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, new RegExp(`^error: to .+, confirm with the ${by}'s name${got}; nothing was changed\\nhint: ${rerun.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`), argv.join(' '));
      }
    }
    const json = await cli.run(['app:remove', '-n', APP, '--json']);
    assert.equal(json.code, 2);
    assert.deepEqual((JSON.parse(json.stdout) as { error: { code: string; hint: string } }).error.hint, `futuswarm app:remove -n ${APP} --confirm ${APP}`);
    assert.deepEqual(await what(), before);
  });

  it('the agent refuses a destructive request without the name, from an admin too, before anything changes', async () => {
    const version = serviceVersion(APP);
    for (const args of [{ app: APP, purge: true }, { app: APP, confirm: 'someone-else' }]) {
      const [event] = rawRequest(JSON.stringify({ v: 1, op: 'app.remove', args }));
      assert.deepEqual([event?.type, event?.code], ['error', 'invalid_input'], JSON.stringify(event));
      assert.match(event?.message ?? '', /^invalid arguments: args\.confirm: /);
    }
    const [unset] = rawRequest(JSON.stringify({ v: 1, op: 'app.secrets.unset', args: { app: APP, keys: ['GREETING'] } }));
    assert.equal(unset?.code, 'invalid_input');
    assert.equal(serviceVersion(APP), version);
    assert.deepEqual((await what()).secrets, ['GREETING']);
  });

  it('at a terminal it asks for the name: another name refuses (exit 2) and keeps the app, the name removes it', async () => {
    const asked = `type the app's name (${APP}): `;
    const wrong = await typeAtTerminal([process.execPath, CLI, 'app:remove', '-n', APP], asked, 'not-it\r', cli.env);
    assert.equal(wrong.status, 2, wrong.output);
    assert.match(wrong.output, new RegExp(`To remove ${APP} \\(its service stops; .*\\), type the app's name \\(${APP}\\): `));
    assert.match(wrong.output, /confirm with the app's name \(got "not-it"\); nothing was changed/);
    assert.equal(serviceExists(APP), true);

    const right = await typeAtTerminal([process.execPath, CLI, 'app:remove', '-n', APP], asked, `${APP}\r`, cli.env);
    assert.equal(right.status, 0, right.output);
    assert.match(right.output, new RegExp(`removed ${APP}`));
    assert.equal(serviceExists(APP), false);
    // The secrets stay without --purge.
    assert.deepEqual((await cli.json<{ keys: { key: string }[] }>(['app:secrets', 'list', '-n', APP])).keys.map((k) => k.key), ['GREETING']);
  });
});
