/** doctor's verdicts from what it observed, and how they look: pure, no machine or cluster. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FutuswarmError } from '../../src/core/errors.ts';
import type { ClusterContext } from '../../src/cli/contexts.ts';
import { buildChecks, classifyHostFailure, doctorExitCode, type DoctorFacts, type HostAnswer } from '../../src/cli/doctor/checks.ts';
import { checksDocument, renderChecks } from '../../src/cli/doctor/render.ts';
import type { ProxyStatusResult } from '../../src/results/admin.ts';
import type { WhoamiResult } from '../../src/results/people.ts';
import { translateSshFailure } from '../../src/ssh/ssh-failure.ts';

const versions = { cli: '1.2.3', protocol: 1 };
const context: ClusterContext = { hosts: ['m1', 'm2'], port: 22, user: 'futuswarm', domain: 'apps.example.com', knownHostsFile: '/k/known_hosts' };
const target = (host: string) => ({ host, port: 22, user: 'futuswarm' });
const refused = (host: string) => translateSshFailure(255, `ssh: connect to host ${host} port 22: Connection refused\r\n`, target(host));
const hostKey = (host: string) => translateSshFailure(255, 'Host key verification failed.\r\n', target(host));
const keyRefused = (host: string) => translateSshFailure(255, `futuswarm@${host}: Permission denied (publickey).\r\n`, target(host));

const alice: WhoamiResult = { user: 'alice', source: 'ldap', groups: ['devs'], admin: false, adminVia: [], cluster: 'prod' };
const root: WhoamiResult = { ...alice, user: 'root', admin: true, adminVia: ['LDAP group futuswarm-admins'] };
const proxyUp: ProxyStatusResult = {
  deployed: true,
  image: 'traefik:v3.6',
  upToDate: true,
  tasks: [{ id: 't1', node: 'm1', state: 'running', desiredState: 'running', since: '2026-01-01T00:00:00.000Z' }],
  api: { reachable: true, url: 'http://127.0.0.1:8080', version: '3.6.12' },
  routes: [],
};

const ok = <T>(value: T) => ({ ok: true as const, value });
const failed = (error: Error) => ({ ok: false as const, error });
const answer = (host: string, a: HostAnswer['answer']): HostAnswer => ({ host, answer: a, ms: 42 });

function facts(over: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    ssh: { found: true, version: 'OpenSSH_9.2p1' },
    docker: { found: true, version: 'Docker version 28.2.2' },
    context: ok({ name: 'prod', context }),
    hosts: [answer('m1', ok(root)), answer('m2', ok(root))],
    state: ok({ apps: 3 }),
    proxy: ok(proxyUp),
    ...over,
  };
}

const byName = (checks: ReturnType<typeof buildChecks>) => Object.fromEntries(checks.map((c) => [c.name, c]));
const statuses = (f: DoctorFacts) => buildChecks(f, versions).map((c) => `${c.name}: ${c.status}`);

describe('buildChecks', () => {
  it('all pass: one check per manager, and exit 0', () => {
    const checks = buildChecks(facts(), versions);
    assert.deepEqual(checks.map((c) => c.name), ['ssh client', 'docker CLI', 'context', 'ssh m1:22', 'ssh m2:22', 'agent', 'identity', 'proxy', 'state bucket']);
    assert.ok(checks.every((c) => c.status === 'pass'));
    assert.equal(doctorExitCode(checks), 0);
    assert.deepEqual(byName(checks).agent, { name: 'agent', status: 'pass', detail: 'speaks protocol v1, as this CLI (1.2.3) does' });
    assert.equal(byName(checks)['state bucket']?.detail, 'the agent reads it (app:list: 3 app(s))');
  });

  it('no docker CLI is a warning, and still exit 0', () => {
    const checks = buildChecks(facts({ docker: { found: false } }), versions);
    assert.equal(byName(checks)['docker CLI']?.status, 'warn');
    assert.equal(doctorExitCode(checks), 0);
  });

  it('no ssh client fails, with how to install it', () => {
    const check = byName(buildChecks(facts({ ssh: { found: false } }), versions))['ssh client'];
    assert.equal(check?.status, 'fail');
    assert.match(check?.fix ?? '', /openssh-client/);
  });

  it('without a context, the context fails with its hint and the rest is skipped', () => {
    const error = new FutuswarmError('config', 'no cluster chosen', { hint: 'choose one: futuswarm context use <name> (have: prod)' });
    const checks = buildChecks(facts({ context: failed(error), hosts: [] }), versions);
    assert.deepEqual(checks.slice(2).map((c) => [c.name, c.status]), [['context', 'fail'], ['managers', 'skip'], ['agent', 'skip'], ['identity', 'skip'], ['proxy', 'skip'], ['state bucket', 'skip']]);
    assert.equal(byName(checks).context?.fix, 'choose one: futuswarm context use <name> (have: prod)');
    assert.equal(doctorExitCode(checks), 1);
  });

  it('one manager down fails its own check; the others still answer for the agent', () => {
    assert.deepEqual(statuses(facts({ hosts: [answer('m1', failed(refused('m1'))), answer('m2', ok(root))] })), [
      'ssh client: pass', 'docker CLI: pass', 'context: pass', 'ssh m1:22: fail', 'ssh m2:22: pass', 'agent: pass', 'identity: pass', 'proxy: pass', 'state bucket: pass',
    ]);
  });

  it('no manager answering fails the agent and skips what needs it', () => {
    const checks = buildChecks(facts({ hosts: [answer('m1', failed(refused('m1'))), answer('m2', failed(hostKey('m2')))], state: undefined, proxy: undefined }), versions);
    assert.deepEqual(checks.slice(5).map((c) => [c.name, c.status, c.detail]), [
      ['agent', 'fail', 'no manager answered'],
      ['identity', 'skip', 'skipped: no agent answered'],
      ['proxy', 'skip', 'skipped: no agent answered'],
      ['state bucket', 'skip', 'skipped: no agent answered'],
    ]);
  });

  it('an agent that speaks another protocol fails the agent check with the fix', () => {
    const error = new FutuswarmError('protocol', 'bad request: v: must be 1', { hint: 'upgrade the CLI' });
    const check = byName(buildChecks(facts({ hosts: [answer('m1', failed(error))], state: undefined, proxy: undefined }), versions)).agent;
    assert.equal(check?.status, 'fail');
    assert.match(check?.detail ?? '', /not as this CLI's agent \(protocol v1\): bad request/);
    assert.equal(check?.fix, 'upgrade the CLI');
  });

  it('a person who is not an admin: the proxy is skipped, and a directory warning is a warning', () => {
    const checks = byName(buildChecks(facts({ hosts: [answer('m1', ok({ ...alice, warning: 'groups unknown: LDAP did not answer' }))], proxy: undefined }), versions));
    assert.equal(checks.proxy?.status, 'skip');
    assert.equal(checks.identity?.status, 'warn');
    assert.equal(checks.identity?.detail, 'user alice on cluster prod, not an admin, groups: devs; groups unknown: LDAP did not answer');
  });

  it('the proxy: not deployed, no task, API down, stale', () => {
    const proxy = (p: ProxyStatusResult) => byName(buildChecks(facts({ proxy: ok(p) }), versions)).proxy;
    assert.deepEqual(proxy({ deployed: false, tasks: [], api: { reachable: false, reason: 'no service' }, routes: [] }), {
      name: 'proxy', status: 'fail', detail: 'not deployed: no app is reachable by name', fix: 'futuswarm admin proxy:deploy',
    });
    assert.equal(proxy({ ...proxyUp, tasks: [] })?.status, 'fail');
    assert.match(proxy({ ...proxyUp, api: { reachable: false, reason: 'connection refused' } })?.detail ?? '', /its API does not answer: connection refused/);
    assert.equal(proxy({ ...proxyUp, upToDate: false })?.status, 'warn');
  });

  it('the state bucket fails with what the agent said', () => {
    const error = new FutuswarmError('unavailable', 'the state bucket did not answer', { hint: 'ask an admin to check the agent role' });
    const check = byName(buildChecks(facts({ state: failed(error) }), versions))['state bucket'];
    assert.deepEqual(check, { name: 'state bucket', status: 'fail', detail: 'the agent could not list the apps: the state bucket did not answer', fix: 'ask an admin to check the agent role' });
  });
});

describe('classifyHostFailure', () => {
  it('tells an unreachable manager, an unknown or changed host key and a refused key apart', () => {
    const unreachable = classifyHostFailure(refused('m1'), 'm1', 'prod', context);
    assert.equal(unreachable.detail, 'unreachable: Connection refused');
    assert.match(unreachable.fix, /reaches m1 on port 22 \(VPN, firewall\)/);
    const key = classifyHostFailure(hostKey('m1'), 'm1', 'prod', context);
    assert.equal(key.detail, 'host key unknown or changed: ssh refused to talk to it');
    assert.match(key.fix, /ssh-keyscan -p 22 m1/);
    assert.match(key.fix, /\/k\/known_hosts/);
    const auth = classifyHostFailure(keyRefused('m1'), 'm1', 'prod', context);
    assert.match(auth.detail, /^your SSH key was refused/);
    assert.match(auth.fix, /public key/);
  });
  it('anything else: its own message and hint', () => {
    const e = new FutuswarmError('protocol', 'the server answered something that is not the futuswarm agent: hi', { hint: 'check sshd' });
    assert.deepEqual(classifyHostFailure(e, 'm1', 'prod', context), { detail: e.message, fix: 'check sshd' });
  });
});

describe('rendering', () => {
  const checks = buildChecks(facts({ docker: { found: false }, hosts: [answer('m1', failed(refused('m1'))), answer('m2', ok(alice))], proxy: undefined }), versions);
  it('a line per check with its mark, the fix under a failing one, and a summary', () => {
    const text = renderChecks(checks, { color: false });
    const lines = text.split('\n');
    assert.equal(lines[0], '✓ ssh client    OpenSSH_9.2p1');
    assert.equal(lines[1], '! docker CLI    docker is not on your PATH: only app:deploy --build/--push and app:push need it');
    assert.match(lines[2] ?? '', /^ {16}fix: install Docker/);
    assert.match(text, /^✗ ssh m1:22 {5}unreachable: Connection refused\n {16}fix: check that the manager is up/m);
    assert.match(text, /^- proxy {9}skipped: admins only/m);
    assert.match(text, /\n\n1 check\(s\) failed$/);
    assert.doesNotMatch(text, /\x1b\[/);
  });
  it('colors only when asked', () => {
    assert.match(renderChecks(checks, { color: true }), /\x1b\[32m✓\x1b\[39m ssh client/);
  });
  it('--json: name, ok, status, detail and fix when there is one', () => {
    const doc = checksDocument(checks);
    assert.deepEqual(doc.checks[0], { name: 'ssh client', ok: true, status: 'pass', detail: 'OpenSSH_9.2p1' });
    assert.deepEqual(doc.checks.filter((c) => !c.ok).map((c) => c.name), ['ssh m1:22']);
    assert.equal(doc.checks[1]?.ok, true);
    assert.ok(doc.checks[1]?.fix);
  });
});
