/**
 * `futuswarm doctor` as data: what was observed (DoctorFacts) in, the verdicts (Check[]) out,
 * each failing one with the fix. Gathering the facts is the command's; nothing here runs.
 */
import { isFutuswarmError } from '../../core/errors.ts';
import type { ProxyStatusResult } from '../../results/admin.ts';
import type { WhoamiResult } from '../../results/people.ts';
import { SshConnectFailure, SshHostKeyFailure } from '../../ssh/ssh-failure.ts';
import type { ClusterContext } from '../contexts.ts';
import { EXIT } from '../exit-code.ts';

/** `warn` is worth knowing but fails nothing; `skip` could not be checked for an earlier failure. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

function hintOf(error: Error | undefined): string | undefined {
  return isFutuswarmError(error) ? error.hint : undefined;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/** A local program: its first line of `--version` output, or not there at all. */
export type ToolProbe = { found: true; version: string } | { found: false };

export interface HostAnswer {
  host: string;
  /** `whoami` asked of this manager alone; `ms` from spawning ssh to the answer. */
  answer: Outcome<WhoamiResult>;
  ms: number;
}

export interface DoctorFacts {
  ssh: ToolProbe;
  docker: ToolProbe;
  context: Outcome<{ name: string; context: ClusterContext }>;
  /** One per manager of the context, in its order. */
  hosts: readonly HostAnswer[];
  /** `app.list` through a manager that answered: it reads the state bucket. */
  state?: Outcome<{ apps: number }>;
  /** `admin.proxy.status`, asked only when whoami says admin. */
  proxy?: Outcome<ProxyStatusResult>;
}

export interface Versions {
  cli: string;
  protocol: number;
}

/** The checks in the order they are shown; a check that needs an earlier one is skipped without it. */
export function buildChecks(facts: DoctorFacts, versions: Versions): Check[] {
  const checks = [toolCheck('ssh client', facts.ssh, SSH_MISSING), toolCheck('docker CLI', facts.docker, DOCKER_MISSING), contextCheck(facts.context)];
  if (!facts.context.ok) {
    const needs = 'skipped: needs a context';
    return [...checks, ...['managers', 'agent', 'identity', 'proxy', 'state bucket'].map((name) => ({ name, status: 'skip' as const, detail: needs }))];
  }
  const { name, context } = facts.context.value;
  checks.push(...facts.hosts.map((h) => hostCheck(h, name, context)));
  const answered = facts.hosts.find((h) => h.answer.ok);
  const whoami = answered?.answer.ok ? answered.answer.value : undefined;
  checks.push(agentCheck(facts.hosts, whoami, versions));
  if (whoami === undefined) {
    return [...checks, ...['identity', 'proxy', 'state bucket'].map((n) => ({ name: n, status: 'skip' as const, detail: 'skipped: no agent answered' }))];
  }
  checks.push(identityCheck(whoami));
  checks.push(whoami.admin ? proxyCheck(facts.proxy) : { name: 'proxy', status: 'skip', detail: 'skipped: admins only (futuswarm admin proxy:status)' });
  checks.push(stateCheck(facts.state));
  return checks;
}

function toolCheck(name: string, probe: ToolProbe, missing: Omit<Check, 'name'>): Check {
  return probe.found ? { name, status: 'pass', detail: probe.version } : { name, ...missing };
}

const SSH_MISSING: Omit<Check, 'name'> = {
  status: 'fail',
  detail: 'ssh is not on your PATH: every command goes through it',
  fix: 'install the OpenSSH client (Debian, Ubuntu: apt-get install openssh-client; macOS and Windows 10+ have it)',
};

const DOCKER_MISSING: Omit<Check, 'name'> = {
  status: 'warn',
  detail: 'docker is not on your PATH: only app:deploy --build/--push and app:push need it',
  fix: 'install Docker to build and push images from this machine (docs.docker.com/get-docker)',
};

function contextCheck(context: DoctorFacts['context']): Check {
  if (!context.ok) {
    const e = context.error;
    return { name: 'context', status: 'fail', detail: e.message, fix: hintOf(e) ?? 'futuswarm context list shows the contexts' };
  }
  const { name, context: c } = context.value;
  return { name: 'context', status: 'pass', detail: `${name}: ${c.user}@${c.hosts.join(',')}:${c.port}, apps at *.${c.domain}` };
}

/** What went wrong between this machine and one manager, and what to do about it. */
export function classifyHostFailure(error: Error, host: string, contextName: string, context: ClusterContext): { detail: string; fix: string } {
  const port = context.port;
  if (error instanceof SshHostKeyFailure) {
    const file = context.knownHostsFile ?? '~/.ssh/known_hosts';
    return {
      detail: 'host key unknown or changed: ssh refused to talk to it',
      fix: `verify the manager's host key with an admin (ssh-keyscan -p ${port} ${host} shows it), then put it in ${file}; if it changed on purpose, ssh-keygen -R '[${host}]:${port}' first`,
    };
  }
  if (error instanceof SshConnectFailure) {
    return {
      detail: `unreachable: ${error.reason}`,
      fix: `check that the manager is up and that this machine reaches ${host} on port ${port} (VPN, firewall); if it is gone for good, re-add the context without it: futuswarm context add ${contextName} --host <managers> --domain ${context.domain}`,
    };
  }
  if (isFutuswarmError(error) && error.code === 'ssh_auth') {
    return { detail: `your SSH key was refused (${error.message})`, fix: error.hint ?? 'ask an admin to add your public key' };
  }
  return { detail: error.message, fix: hintOf(error) ?? 'run futuswarm whoami -v to see ssh diagnostics' };
}

function hostCheck(h: HostAnswer, contextName: string, context: ClusterContext): Check {
  const name = `ssh ${h.host}:${context.port}`;
  if (h.answer.ok) return { name, status: 'pass', detail: `the agent answered in ${h.ms} ms` };
  return { name, status: 'fail', ...classifyHostFailure(h.answer.error, h.host, contextName, context) };
}

/**
 * A request carries the CLI's protocol version and the agent refuses any other, so an answer
 * means both speak it. The agent does not report its own release.
 */
function agentCheck(hosts: readonly HostAnswer[], whoami: WhoamiResult | undefined, versions: Versions): Check {
  if (whoami !== undefined) {
    return { name: 'agent', status: 'pass', detail: `speaks protocol v${versions.protocol}, as this CLI (${versions.cli}) does` };
  }
  const spoken = hosts.map((h) => (h.answer.ok ? undefined : h.answer.error)).find((e) => isFutuswarmError(e) && e.code === 'protocol');
  if (spoken !== undefined) {
    return {
      name: 'agent',
      status: 'fail',
      detail: `a manager answered, but not as this CLI's agent (protocol v${versions.protocol}): ${spoken.message}`,
      fix: hintOf(spoken) ?? 'upgrade the CLI, or ask an admin whether the agent is older than the CLI',
    };
  }
  return { name: 'agent', status: 'fail', detail: 'no manager answered', fix: 'fix the ssh checks above first' };
}

function identityCheck(w: WhoamiResult): Check {
  const role = w.admin ? `an admin (${w.adminVia.join('; ')})` : 'not an admin';
  const detail = `user ${w.user} on cluster ${w.cluster}, ${role}, groups: ${w.groups.length > 0 ? w.groups.join(', ') : 'none'}`;
  if (w.warning) return { name: 'identity', status: 'warn', detail: `${detail}; ${w.warning}`, fix: 'the agent could not read the directory (LDAP): ask an admin' };
  return { name: 'identity', status: 'pass', detail };
}

function proxyCheck(proxy: DoctorFacts['proxy']): Check {
  const name = 'proxy';
  if (proxy === undefined) return { name, status: 'skip', detail: 'skipped: not asked' };
  if (!proxy.ok) return { name, status: 'fail', detail: proxy.error.message, fix: hintOf(proxy.error) ?? 'futuswarm admin proxy:status -v' };
  const s = proxy.value;
  if (!s.deployed) return { name, status: 'fail', detail: 'not deployed: no app is reachable by name', fix: 'futuswarm admin proxy:deploy' };
  const running = s.tasks.filter((t) => t.state === 'running').length;
  const summary = `${running} task(s) running, ${s.routes.length} route(s)`;
  if (running === 0) return { name, status: 'fail', detail: `no task running (${summary})`, fix: 'futuswarm admin proxy:status shows its tasks and their errors' };
  if (!s.api.reachable) return { name, status: 'fail', detail: `its API does not answer: ${s.api.reason} (${summary})`, fix: 'futuswarm admin proxy:status shows its tasks and their errors' };
  if (!s.upToDate) return { name, status: 'warn', detail: `Traefik ${s.api.version}, ${summary}; not what the agent config asks for`, fix: 'futuswarm admin proxy:deploy' };
  return { name, status: 'pass', detail: `Traefik ${s.api.version}, ${summary}` };
}

function stateCheck(state: DoctorFacts['state']): Check {
  const name = 'state bucket';
  if (state === undefined) return { name, status: 'skip', detail: 'skipped: not asked' };
  if (!state.ok) {
    return { name, status: 'fail', detail: `the agent could not list the apps: ${state.error.message}`, fix: hintOf(state.error) ?? 'ask an admin: the agent log on the manager says why' };
  }
  return { name, status: 'pass', detail: `the agent reads it (app:list: ${state.value.apps} app(s))` };
}

export function doctorExitCode(checks: readonly Check[]): number {
  return checks.some((c) => c.status === 'fail') ? EXIT.failed : EXIT.ok;
}
