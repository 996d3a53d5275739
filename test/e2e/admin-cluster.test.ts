/**
 * `futuswarm admin cluster:*` as an admin runs it: the real CLI binary on this machine with
 * AWS credentials for moto. test/aws/bootstrap.test.ts covers what bootstrap builds in depth;
 * this proves the commands: their output, --plan and --json, confirmations and exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateRoleCommand, DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { parse } from 'yaml';
import { parseClusterConfig } from '../../src/config/cluster-file.ts';
import { clusterResourceNames } from '../../src/core/plan-names.ts';
import { CLI, runCli, type CliResult } from '../helpers/cli.ts';
import { awsTestEnv, uniqueName } from '../helpers/moto.ts';
import { typeAtTerminal } from '../helpers/terminal.ts';

const dir = mkdtempSync(join(tmpdir(), 'futuswarm-admin-'));
const env = { ...(process.env as Record<string, string>), ...awsTestEnv(), NO_COLOR: '1', XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') };
/** The CLI with moto's credentials; a last `{ input }` argument is its standard input. */
const cli = (...args: (string | { input: string })[]): Promise<CliResult> => {
  const last = args.at(-1);
  const input = typeof last === 'object' ? last.input : undefined;
  return runCli(args.filter((a): a is string => typeof a === 'string'), { env, ...(input !== undefined ? { input } : {}) });
};

interface StatusJson {
  cluster: string;
  ok: boolean;
  rows: { kind: string; name: string; id: string | null; status: string }[];
  loadBalancerDnsName: string | null;
  nodes: { name: string; state: string }[];
}

describe('admin cluster:init', () => {
  it('writes a commented cluster file that validates, and never overwrites one by accident', async () => {
    const file = join(dir, 'prod.yaml');
    const r = await cli('admin', 'cluster:init', 'prod', '-o', file);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `wrote ${file}\nSet region, domain, network.sshCidrs and access in it, then look at the plan:\n  futuswarm admin cluster:bootstrap -f ${file} --plan\n`);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# futuswarm cluster file/);
    assert.equal(parseClusterConfig(parse(text)).name, 'prod');

    writeFileSync(file, 'edited by hand\n');
    const again = await cli('admin', 'cluster:init', 'prod', '-o', file);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `error: ${file} already exists\nhint: choose another file with -o, or replace it: futuswarm admin cluster:init prod -o ${file} --force\n`);
    assert.equal(readFileSync(file, 'utf8'), 'edited by hand\n');
    assert.equal((await cli('admin', 'cluster:init', 'prod', '-o', file, '--force')).code, 0);
    assert.match(readFileSync(file, 'utf8'), /^name: prod$/m);
  });

  it('refuses a name AWS resources cannot carry', async () => {
    const r = await cli('admin', 'cluster:init', 'Prod_1', '-o', join(dir, 'bad.yaml'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cluster name.*must be lowercase letters, digits and hyphens/s);
  });
});

describe('admin cluster:bootstrap, status and destroy', () => {
  const name = uniqueName('cli');
  const file = join(dir, `${name}.yaml`);
  const iam = new IAMClient({ region: 'eu-north-1', endpoint: awsTestEnv().AWS_ENDPOINT_URL, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

  before(() => {
    writeFileSync(
      file,
      [
        `name: ${name}`,
        'region: eu-north-1',
        `domain: ${name}.example.com`,
        'network: { sshCidrs: [203.0.113.0/24] }',
        'nodes: { workers: 1, image: { id: ami-760aaa0f } }',
        'state: { requireTls: false }',
        'access: { admins: [alice], users: { alice: { keys: [] } } }',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await cli('admin', 'cluster:destroy', '-f', file, '--confirm', name, '--delete-data');
  });

  it('reports every problem of a bad cluster file with its path', async () => {
    const bad = join(dir, 'bad-cluster.yaml');
    writeFileSync(bad, `name: ${name}\nregion: eu-north-1\ndomain: x.example.com\nnetwork: { sshCidrs: [0.0.0.0/0] }\nnodes: { managers: 2 }\naccess: { admins: [alice] }\n`);
    const r = await cli('admin', 'cluster:bootstrap', '-f', bad, '--plan');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /network\.sshCidrs\.0: must not be the whole Internet/);
    assert.match(r.stderr, /nodes\.managers: must be odd/);
    assert.match(r.stderr, /access: needs `ldap` or `users`/);
  });

  it('--plan lists every resource and creates none', async () => {
    const r = await cli('admin', 'cluster:bootstrap', '-f', file, '--plan');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\+ create kms-key +key +\(does not exist\)$/m);
    assert.match(r.stdout, /^\+ create instance +worker-1 +\(does not exist\)$/m);
    assert.match(r.stdout, /\n32 to create, 0 to update, 0 unchanged\n$/);
    assert.equal(r.stderr, `› looking up cluster ${name} in eu-north-1\n`);

    const json = await cli('admin', 'cluster:bootstrap', '-f', file, '--plan', '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, '');
    const { plan } = JSON.parse(json.stdout) as { plan: { cluster: string; noChanges: boolean; steps: { action: string }[] } };
    assert.equal(plan.cluster, name);
    assert.equal(plan.noChanges, false);
    assert.equal(plan.steps.length, 32);
    assert.ok(plan.steps.every((s) => s.action === 'create'));

    const status = JSON.parse((await cli('admin', 'cluster:status', '-f', file, '--json')).stdout) as StatusJson;
    assert.equal(status.ok, false);
    assert.deepEqual([...new Set(status.rows.map((row) => row.status))], ['missing']);
  });

  it('stops before changing anything when a name it needs belongs to someone else; a re-run after fixing it completes', async () => {
    const role = clusterResourceNames(name).nodeRole;
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
    const r = await cli('admin', 'cluster:bootstrap', '-f', file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cluster:bootstrap found names it needs taken by resources of someone else; nothing was changed:\n  iam-role node-role: .*not tagged for this cluster/m);
    assert.match(r.stderr, new RegExp(`hint: remove or rename them .*futuswarm admin cluster:bootstrap -f ${file}`));
    const status = JSON.parse((await cli('admin', 'cluster:status', '-f', file, '--json')).stdout) as StatusJson;
    assert.deepEqual(status.rows.filter((row) => row.status !== 'missing').map((row) => [row.name, row.status]), [['node-role', 'conflict']]);
    await iam.send(new DeleteRoleCommand({ RoleName: role }));
  });

  it('applies the plan with progress, and a second run reports no changes', async () => {
    const r = await cli('admin', 'cluster:bootstrap', '-f', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^32 to create, 0 to update, 0 unchanged$/m);
    assert.match(r.stdout, new RegExp(`^cluster ${name} in eu-north-1: 32 created, 0 updated, 0 unchanged$`, 'm'));
    assert.match(r.stdout, new RegExp(`^load balancer: futuswarm-${name}-\\S+ \\(point \\*\\.${name}\\.example\\.com here\\)$`, 'm'));
    assert.match(r.stderr, /^› creating vpc vpc \(10\.42\.0\.0\/16\)$/m);
    assert.match(r.stderr, /^› creating instance worker-1 \(t3\.small; waiting until it runs\)$/m);
    assert.match(r.stderr, /^› creating iam-role worker-role$/m);
    // The node key is made before any node boots: every node's agent config carries its public half.
    assert.ok(r.stderr.indexOf('generating node-key') >= 0 && r.stderr.indexOf('generating node-key') < r.stderr.indexOf('creating instance manager-1'), r.stderr);

    const again = await cli('admin', 'cluster:bootstrap', '-f', file);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `no changes: all 32 resources exist\ncluster ${name}: no changes\n`);
    const json = await cli('admin', 'cluster:bootstrap', '-f', file, '--json');
    assert.equal(json.code, 0, json.stderr);
    const { result } = JSON.parse(json.stdout) as { result: { noChanges: boolean; created: string[]; unchanged: string[] } };
    assert.deepEqual([result.noChanges, result.created, result.unchanged.length], [true, [], 32]);
  });

  it('cluster:status shows every resource with its id and state', async () => {
    const r = await cli('admin', 'cluster:status', '-f', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^cluster ${name} in eu-north-1 \\(account 123456789012\\)$`, 'm'));
    assert.match(r.stdout, /^ {2}ok +instance +manager-1 +i-[0-9a-f]+ +running$/m);
    assert.match(r.stdout, /^node worker-1: running, public \S+, private 10\.42\.\d+\.\d+$/m);
    assert.match(r.stdout, /\neverything matches the file\n$/);
    const status = JSON.parse((await cli('admin', 'cluster:status', '-f', file, '--json')).stdout) as StatusJson;
    assert.equal(status.ok, true);
    assert.equal(status.rows.length, 32);
    assert.ok(status.rows.every((row) => row.status === 'ok' && row.id !== null));
    assert.deepEqual(status.nodes.map((n) => [n.name, n.state]).sort(), [['manager-1', 'running'], ['worker-1', 'running']]);
  });

  it('cluster:ldap-password seals the bind password into the state bucket, from standard input only', async () => {
    // The file as bootstrapped has no bindDn: the agents bind anonymously and nothing is stored.
    const anonymous = await cli('admin', 'cluster:ldap-password', '-f', file, { input: 'whatever\n' });
    assert.equal(anonymous.code, 2);
    assert.match(anonymous.stderr, /^error: .*access\.ldap\.bindDn is not set/m);

    const withLdap = join(dir, `${name}-ldap.yaml`);
    writeFileSync(withLdap, `${readFileSync(file, 'utf8')}`.replace(
      'access: { admins: [alice], users: { alice: { keys: [] } } }',
      'access: { admins: [alice], users: { alice: { keys: [] } }, ldap: { url: "ldaps://ldap.example.com", bindDn: "cn=agent,dc=example,dc=com", baseDn: "dc=example,dc=com" } }',
    ));
    // Bootstrap with a bindDn and no stored password names the command as the next step.
    const boot = await cli('admin', 'cluster:bootstrap', '-f', withLdap);
    assert.equal(boot.code, 0, boot.stderr);
    assert.match(boot.stdout, new RegExp(`^next: store the LDAP bind password of cn=agent,dc=example,dc=com: futuswarm admin cluster:ldap-password -f ${withLdap}$`, 'm'));
    // cluster:status says what is still missing, and does not call the cluster complete.
    const incomplete = await cli('admin', 'cluster:status', '-f', withLdap);
    assert.match(incomplete.stdout, /^missing: the LDAP bind password of cn=agent,dc=example,dc=com \(futuswarm admin cluster:ldap-password -f <cluster file>\)$/m);
    assert.doesNotMatch(incomplete.stdout, /everything matches the file/);

    const first = `pw-${uniqueName('first')}`;
    const stored = await cli('admin', 'cluster:ldap-password', '-f', withLdap, { input: `${first}\n` });
    assert.equal(stored.code, 0, stored.stderr);
    assert.match(stored.stdout, /^stored the LDAP bind password of cn=agent,dc=example,dc=com\n {2}in s3:\/\/\S+\/cluster\/ldap-bind-password, sealed with alias\/futuswarm-/);
    const second = `pw-${uniqueName('second')}`;
    const replaced = await cli('admin', 'cluster:ldap-password', '-f', withLdap, '--json', { input: second });
    assert.equal(replaced.code, 0, replaced.stderr);
    const result = JSON.parse(replaced.stdout) as { bucket: string; key: string; encryptionKey: string; replaced: boolean };
    assert.equal(result.replaced, true);

    // Nothing given, or two lines: refused, and the stored password stays.
    for (const input of ['', 'one\ntwo\n']) {
      const bad = await cli('admin', 'cluster:ldap-password', '-f', withLdap, { input });
      assert.equal(bad.code, 2, input);
      assert.match(bad.stderr, input === '' ? /^error: no password given/m : /^error: the LDAP bind password: must be one line/m);
    }
    for (const r of [stored, replaced]) for (const pw of [first, second]) assert.ok(!`${r.stdout}${r.stderr}`.includes(pw), 'the password was printed');

    // What a manager's agent reads: the second password, and the stored object does not hold it in clear.
    Object.assign(process.env, awsTestEnv());
    const [{ AppState }, { s3ObjectStore }, { kmsKeyService }] = await Promise.all([
      import('../../src/agent/app-state.ts'),
      import('../../src/aws/state-store.ts'),
      import('../../src/aws/kms.ts'),
    ]);
    const store = s3ObjectStore(result.bucket);
    const agentView = new AppState({ store, keys: kmsKeyService(result.encryptionKey), cluster: name });
    assert.equal(await agentView.clusterSecrets.readLdapBindPassword(), second);
    assert.ok(!(await store.get(result.key))!.body.toString('latin1').includes(second));

    // At a terminal: a prompt, the typed password is not echoed, and it is what gets stored.
    const typed = `typed-${uniqueName('pw')}`;
    const atTerminal = await typeAtTerminal([process.execPath, CLI, '--no-color', 'admin', 'cluster:ldap-password', '-f', withLdap], 'LDAP bind password for', `${typed}\r`, env);
    assert.equal(atTerminal.status, 0, atTerminal.output);
    assert.match(atTerminal.output, /LDAP bind password for cn=agent,dc=example,dc=com: \r?\n/);
    assert.match(atTerminal.output, /replaced the LDAP bind password/);
    assert.ok(!atTerminal.output.includes(typed), `the typed password was echoed: ${atTerminal.output}`);
    assert.equal(await agentView.clusterSecrets.readLdapBindPassword(), typed);

    const again = await cli('admin', 'cluster:bootstrap', '-f', withLdap);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /LDAP bind password/);
    assert.doesNotMatch((await cli('admin', 'cluster:status', '-f', withLdap)).stdout, /^missing:/m);

    // One command: bootstrap takes the password from standard input and stores it after building.
    const third = `pw-${uniqueName('third')}`;
    const oneCommand = await cli('admin', 'cluster:bootstrap', '-f', withLdap, '--ldap-password-stdin', { input: `${third}\n` });
    assert.equal(oneCommand.code, 0, oneCommand.stderr);
    assert.ok(!`${oneCommand.stdout}${oneCommand.stderr}`.includes(third), 'the password was printed');
    assert.equal(await agentView.clusterSecrets.readLdapBindPassword(), third);
    // An empty standard input is refused before anything changes.
    const empty = await cli('admin', 'cluster:bootstrap', '-f', withLdap, '--ldap-password-stdin', { input: '' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /^error: no password given: standard input was empty; nothing was changed$/m);
    assert.equal(await agentView.clusterSecrets.readLdapBindPassword(), third);
  });

  it('cluster:destroy needs the cluster\'s name, then removes everything but the data', async () => {
    for (const args of [[], ['--confirm', 'prod']]) {
      const r = await cli('admin', 'cluster:destroy', '-f', file, ...args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`^error: to destroy cluster ${name}: everything bootstrap made, confirm with the cluster's name.*; nothing was changed\\nhint: futuswarm admin cluster:destroy -f ${file} --confirm ${name}$`, 'm'));
    }
    const r = await cli('admin', 'cluster:destroy', '-f', file, '--confirm', name, '--json');
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { deleted: { name: string }[]; kept: { name: string; reason: string }[] };
    assert.equal(result.deleted.length, 29);
    assert.ok(result.deleted.some((d) => d.name === 'node-key'));
    for (const iamName of ['node-role', 'node-profile', 'worker-role', 'worker-profile']) assert.ok(result.deleted.some((d) => d.name === iamName), iamName);
    assert.deepEqual(result.kept.map((k) => k.name).sort(), ['bucket', 'key', 'key-alias']);
    assert.match(result.kept[0]!.reason, /--delete-data/);

    const status = JSON.parse((await cli('admin', 'cluster:status', '-f', file, '--json')).stdout) as StatusJson;
    assert.deepEqual(status.rows.filter((row) => row.status !== 'missing').map((row) => row.name).sort(), ['bucket', 'key', 'key-alias']);
  });
});
