/**
 * A newer agent on this node (`admin agent:upgrade`). The node's own install script
 * (templates/install-agent.sh, the one that installed the agent at first boot) fetches the bundle
 * from the state bucket and records its content hash next to it; a sudo rule lets the agent's
 * account run exactly that script as root. Where a resident agent runs, its supervisor then hands
 * over to a daemon of the new agent: requests in flight finish on the old one, none is dropped.
 */
import { execFile } from 'node:child_process';
import type { AgentConfig } from '../config/agent-config.ts';
import { FutuswarmError } from '../core/errors.ts';
import type { AgentView } from '../results/admin.ts';
import { askDaemon, localAgentStatus } from './agent-status.ts';
import { shortHash as short } from '../core/agent-bundle.ts';
import { agentPrefix, installedBundle } from './installed-bundle.ts';

/** Installed by cloud-init (and scripts/local-cluster.sh); /etc/sudoers.d/futuswarm names it. */
export const INSTALL_AGENT_COMMAND = '/usr/local/sbin/futuswarm-install-agent';
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const HAND_OVER_TIMEOUT_MS = 60_000;

export interface NodeUpgrade {
  /** `unchanged`: the bundle was installed already and the resident agent runs it. */
  outcome: 'upgraded' | 'unchanged';
  before: string | null;
  after: string;
  agent: AgentView;
}

/**
 * Install the bundle whose content hash is `bundle` on this node and hand the resident agent
 * over to it. Refuses when the state bucket held another bundle (another upgrade meanwhile).
 */
export async function upgradeHere(config: AgentConfig, bundle: string, node: string, onProgress: (message: string) => void = () => undefined): Promise<NodeUpgrade> {
  const prefix = agentPrefix();
  const before = installedBundle(prefix);
  const running = await localAgentStatus(config);
  if (before === bundle && (running.mode === 'per-request' || running.bundle === bundle)) {
    return { outcome: 'unchanged', before, after: bundle, agent: running };
  }
  if (before !== bundle) {
    onProgress(`${node}: installing the agent bundle`);
    await runInstallScript(node);
    const after = installedBundle(prefix);
    if (after !== bundle) {
      throw new FutuswarmError('conflict', `${node} installed agent bundle ${short(after)}, not ${short(bundle)}: the state bucket holds another bundle than the one uploaded`, {
        hint: 'another agent:upgrade (or cluster:bootstrap) may have uploaded one meanwhile; run futuswarm admin agent:upgrade again',
      });
    }
  }
  if (!config.daemon) return { outcome: 'upgraded', before, after: bundle, agent: await localAgentStatus(config) };
  onProgress(`${node}: handing over to the new resident agent`);
  const agent = await handOver(config.daemon.socket, bundle, running.pid);
  return { outcome: 'upgraded', before, after: bundle, agent };
}

function runInstallScript(node: string): Promise<void> {
  return new Promise((done, fail) => {
    execFile('sudo', ['-n', INSTALL_AGENT_COMMAND], { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 1024 * 1024, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, (error, _stdout, stderr) => {
      if (!error) return done();
      const last = String(stderr).trim().split('\n').filter(Boolean).slice(-3).join(' / ') || error.message;
      fail(
        new FutuswarmError('unavailable', `installing the agent on ${node} failed: ${last}`, {
          hint: `on ${node}, run sudo ${INSTALL_AGENT_COMMAND} to see the whole output; the agent that ran before is still installed in part or whole, and still serving`,
        }),
      );
    });
  });
}

/** Ask the supervisor (through the daemon) for a hand-over, then wait for a daemon of `bundle`. */
async function handOver(socket: string, bundle: string, oldPid: number | undefined): Promise<AgentView> {
  await askDaemon(socket, 'hand-over', 5_000);
  const deadline = Date.now() + HAND_OVER_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const view = await askDaemon(socket, 'status', 2_000);
      if (view.pid !== oldPid && view.bundle === bundle) return view;
      last = `pid ${view.pid}, bundle ${short(view.bundle ?? null)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new FutuswarmError('unavailable', `no resident agent of bundle ${short(bundle)} took over within ${HAND_OVER_TIMEOUT_MS / 1000}s (last seen: ${last})`, {
    hint: 'the agent log says why the new daemon did not start (journalctl -u futuswarm-agent); the old one still serves',
  });
}
