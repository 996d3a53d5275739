/**
 * A context with several managers, against the local cluster: the first host is a loopback
 * address where nothing listens (sshd listens on 127.0.0.1 only, so 127.0.0.2 refuses at once),
 * the second the real one. Requests and a push's relay move on to the manager that answers, the
 * CLI remembers it for the next command, a context whose managers are all down fails with one
 * error naming each, bad hosts change nothing, and a contexts file from before still works.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { LOCAL, localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { removeImagesNamed } from '../helpers/docker.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `hosts-${run}`;
const DEAD = '127.0.0.2';
const ALSO_DEAD = '127.0.0.3';
const TRYING = new RegExp(`${DEAD.replaceAll('.', '\\.')}:${LOCAL.port} did not answer \\(Connection refused\\); trying 127\\.0\\.0\\.1`);

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

describe('a context with several manager hosts', () => {
  let cli: CliSandbox;
  let contextsFile: string;
  const add = (name: string, hosts: string, extra: string[] = []) =>
    cli.run([
      'context', 'add', name, '--host', hosts, '--port', String(LOCAL.port), '--domain', LOCAL.domain,
      '--identity-file', join(LOCAL.dir, 'id_ed25519'), '--known-hosts-file', join(LOCAL.dir, 'known_hosts'), ...extra,
    ]);

  before(async () => {
    cli = await localSandbox();
    contextsFile = join(cli.env.XDG_CONFIG_HOME ?? '', 'futuswarm', 'contexts.yaml');
    ok(await add('failover', `${DEAD},127.0.0.1`), 'context add');
  });
  after(async () => {
    await removeApps(cli, APP);
    removeImagesNamed(APP);
  });

  it('stores every host and lists them', async () => {
    const list = await cli.json<{ contexts: { name: string; hosts: string[] }[] }>(['context', 'list']);
    assert.deepEqual(list.contexts.find((c) => c.name === 'failover')?.hosts, [DEAD, '127.0.0.1']);
    const table = await cli.run(['context', 'list']);
    assert.ok(table.stdout.includes(`futuswarm@${DEAD},127.0.0.1:${LOCAL.port}`), table.stdout);
  });

  it('moves on to the manager that answers, and says so with -v', async () => {
    const r = await cli.run(['--context', 'failover', '-v', 'whoami']);
    ok(r, 'whoami');
    assert.match(r.stderr, TRYING);
    const apps = await cli.run(['--context', 'failover', 'app:list', '--json']);
    ok(apps, 'app:list');
    assert.ok(Array.isArray((JSON.parse(apps.stdout) as { apps: unknown[] }).apps), apps.stdout);
  });

  it('asks the manager that answered last time first', async () => {
    assert.equal(readFileSync(join(cli.env.XDG_CACHE_HOME ?? '', 'futuswarm', 'answered-host', 'failover'), 'utf8').trim(), '127.0.0.1');
    const r = await cli.run(['--context', 'failover', '-v', 'app:list']);
    ok(r, 'app:list');
    assert.doesNotMatch(r.stderr, /did not answer|trying/);
    assert.match(r.stderr, /127\.0\.0\.1 first: it answered last time/);
  });

  it('a corrupt memory of the host is ignored', async () => {
    ok(await add('fresh', `${DEAD},127.0.0.1`), 'context add');
    const memory = join(cli.env.XDG_CACHE_HOME ?? '', 'futuswarm', 'answered-host', 'fresh');
    mkdirSync(join(memory, '..'), { recursive: true });
    writeFileSync(memory, '\u0000 not a host \n\n');
    const r = await cli.run(['--context', 'fresh', '-v', 'whoami']);
    ok(r, 'whoami');
    assert.match(r.stderr, TRYING);
    assert.equal(readFileSync(memory, 'utf8').trim(), '127.0.0.1');
  });

  it('a push is relayed through the manager that answers', async () => {
    ok(await add('push', `${DEAD},127.0.0.1`), 'context add');
    ok(await cli.run(['app:create', '-n', APP]), 'app:create');
    const r = await cli.run(['--context', 'push', '-v', 'app:push', '-n', APP, '-i', 'localhost/hello:1', '-t', 'failover', '--json']);
    ok(r, 'app:push');
    assert.match(r.stderr, TRYING);
    assert.match((JSON.parse(r.stdout) as { reference: string }).reference, new RegExp(`/${APP}@sha256:`));
  });

  it('when no manager answers, one error names each host and why', async () => {
    ok(await add('dead', `${DEAD},${ALSO_DEAD}`), 'context add');
    const r = await cli.run(['--context', 'dead', 'app:list']);
    assert.notEqual(r.code, 0);
    assert.notEqual(r.code, 2);
    assert.match(r.stderr, new RegExp(`no manager answered: 127\\.0\\.0\\.2:${LOCAL.port} \\(Connection refused\\), 127\\.0\\.0\\.3:${LOCAL.port} \\(Connection refused\\)`));
    assert.match(r.stderr, /hint: .*futuswarm context list/);
    const json = await cli.run(['--context', 'dead', 'app:list', '--json']);
    const error = (JSON.parse(json.stdout) as { error: { code: string; details: { attempts: { host: string }[] } } }).error;
    assert.equal(error.code, 'ssh_unreachable');
    assert.deepEqual(error.details.attempts.map((a) => a.host), [DEAD, ALSO_DEAD]);
  });

  it('one dead host fails as it always did', async () => {
    ok(await add('one-dead', DEAD), 'context add');
    const r = await cli.run(['--context', 'one-dead', 'app:list']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`error: cannot reach futuswarm@127\\.0\\.0\\.2:${LOCAL.port}: ssh: connect to host 127\\.0\\.0\\.2 port ${LOCAL.port}: Connection refused`));
  });

  it('bad hosts exit 2 and write nothing', async () => {
    const before = readFileSync(contextsFile, 'utf8');
    for (const [hosts, problem] of [
      ['a,,b', /hosts\.1: must not be empty/],
      ['m1,-oProxyCommand=x', /hosts\.1: must not start with "-"/],
      ['m1,m1', /hosts\.1: m1 is listed twice/],
    ] as const) {
      const r = await add('bad', hosts);
      assert.equal(r.code, 2, `${hosts}: ${r.stderr}`);
      assert.match(r.stderr, problem);
    }
    assert.equal(readFileSync(contextsFile, 'utf8'), before);
  });

  it('the option may be repeated', async () => {
    ok(await cli.run(['context', 'add', 'repeated', '--host', 'm1', '--host', 'm2,m3', '--domain', 'apps.example.com']), 'context add');
    const file = parse(readFileSync(contextsFile, 'utf8')) as { contexts: Record<string, { hosts: string[] }> };
    assert.deepEqual(file.contexts.repeated?.hosts, ['m1', 'm2', 'm3']);
  });

  it('a contexts file with a single host, as written before, still works and is rewritten with hosts', async () => {
    const legacy = await localSandbox();
    const path = join(legacy.env.XDG_CONFIG_HOME ?? '', 'futuswarm', 'contexts.yaml');
    assert.ok(existsSync(path));
    writeFileSync(
      path,
      [
        'current: old',
        'contexts:',
        '  old:',
        '    host: 127.0.0.1',
        `    port: ${LOCAL.port}`,
        '    user: futuswarm',
        `    domain: ${LOCAL.domain}`,
        `    identityFile: ${join(LOCAL.dir, 'id_ed25519')}`,
        `    knownHostsFile: ${join(LOCAL.dir, 'known_hosts')}`,
        '',
      ].join('\n'),
    );
    ok(await legacy.run(['whoami']), 'whoami with the old file');
    ok(await legacy.run(['context', 'use', 'old']), 'context use');
    const file = parse(readFileSync(path, 'utf8')) as { contexts: Record<string, Record<string, unknown>> };
    assert.deepEqual(file.contexts.old?.hosts, ['127.0.0.1']);
    assert.equal(file.contexts.old?.host, undefined);
  });
});
