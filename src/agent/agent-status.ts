/**
 * How a manager's agent is doing, for `admin agent:status`: the resident agent's figures when
 * this process is that daemon, else asked from the daemon over its socket (node-serve on
 * another manager runs as a process of its own), else an agent process per request.
 */
import { connect } from 'node:net';
import type { AgentConfig } from '../config/agent-config.ts';
import { FutuswarmError } from '../core/errors.ts';
import { agentView, type AgentView } from '../results/admin.ts';
import { VERSION } from '../version.ts';
import { daemonStats } from './daemon-stats.ts';
import { installedBundle } from './installed-bundle.ts';
import { readFrames, RELAY_PROTOCOL } from './daemon-wire.ts';

/** This process, when it is the resident agent. */
export function daemonView(): AgentView | undefined {
  const started = daemonStats.startedAt;
  if (started === undefined) return undefined;
  return {
    mode: 'daemon',
    version: VERSION,
    pid: process.pid,
    startedAt: started.toISOString(),
    uptimeSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    requests: daemonStats.requests,
    leader: daemonStats.leader,
    bundle: daemonStats.bundle,
  };
}

export async function localAgentStatus(config: AgentConfig, timeoutMs = 5_000): Promise<AgentView> {
  const own = daemonView();
  if (own) return own;
  if (!config.daemon) return { mode: 'per-request', version: VERSION, bundle: installedBundle() };
  return askDaemon(config.daemon.socket, 'status', timeoutMs);
}

/**
 * The daemon's answer to a `status` header (or `hand-over`, which asks its supervisor to start a
 * daemon of the agent now installed): one output frame of its figures as JSON, then the exit frame.
 */
export function askDaemon(socket: string, ask: 'status' | 'hand-over', timeoutMs: number): Promise<AgentView> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = connect(socket);
    const timer = setTimeout(() => conn.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    conn.on('data', (c: Buffer) => chunks.push(c));
    conn.on('error', (e) => {
      clearTimeout(timer);
      reject(new FutuswarmError('unavailable', `the resident agent does not answer on ${socket}: ${e.message}`));
    });
    conn.on('close', () => {
      clearTimeout(timer);
      const { output, code } = readFrames(Buffer.concat(chunks));
      const parsed = code === 0 ? agentView.safeParse(safeJson(output.toString('utf8'))) : undefined;
      if (parsed?.success) resolve(parsed.data);
      else reject(new FutuswarmError('unavailable', `the resident agent on ${socket} ${ask === 'status' ? 'gave no status' : 'cannot hand over (it runs without its supervisor)'}`));
    });
    conn.end(`${RELAY_PROTOCOL} ${ask}\n`);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
