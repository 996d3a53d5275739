/**
 * The multi-node local rig (scripts/local-cluster.sh up --workers N --managers M) and what a
 * test or benchmark does to its nodes: read where tasks run, lose a node, bring it back.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './cli.ts';
import { until } from './docker.ts';

export { until };

const DOCKER_ENV = { ...process.env, DOCKER_API_VERSION: '1.41' };

/**
 * Exactly this many namespaced workers and managers in all (this machine is manager 1). Never
 * starts moto afresh, however big: the run's earlier files may still use what it holds.
 */
export function rigUp(o: { workers: number; managers?: number }): void {
  const args = ['up', '--workers', String(o.workers), '--managers', String(o.managers ?? 1)];
  execFileSync('bash', [join(REPO, 'scripts/local-cluster.sh'), ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, FUTUSWARM_MOTO_MAX_MB: '0' } });
}

export type NodeKind = 'worker' | 'manager';

export function localNode(command: 'up' | 'down' | 'kill', kind: NodeKind, n: number): void {
  execFileSync('bash', [join(REPO, 'scripts/local-node.sh'), command, kind, String(n)], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** futuswarm-node3 → ['worker', 3]; futuswarm-manager2 → ['manager', 2]. */
export function nodeOf(name: string): [NodeKind, number] | undefined {
  const m = /^futuswarm-(node|manager)(\d+)$/.exec(name);
  return m ? [m[1] === 'node' ? 'worker' : 'manager', Number(m[2])] : undefined;
}

export interface RunningTask { id: string; node: string; ip: string | undefined }

/** The service's running tasks, where they run and their address on the given network. */
export async function runningTasks(service: string, network = 'futuswarm-proxy'): Promise<RunningTask[]> {
  const { stdout } = await promisify(execFile)('docker', ['service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.ID}} {{.Node}} {{.CurrentState}}', '--no-trunc'], {
    encoding: 'utf8',
    env: DOCKER_ENV,
  });
  const rows = stdout.split('\n').filter((l) => / Running /.test(l)).map((l) => l.split(' '));
  if (rows.length === 0) return [];
  const { stdout: inspected } = await promisify(execFile)('docker', ['inspect', ...rows.map(([id]) => id as string)], { encoding: 'utf8', env: DOCKER_ENV });
  const tasks = JSON.parse(inspected) as { ID: string; NetworksAttachments?: { Network: { Spec: { Name: string } }; Addresses: string[] }[] }[];
  return rows.map(([id, node]) => {
    const task = tasks.find((t) => t.ID === id);
    const address = task?.NetworksAttachments?.find((a) => a.Network.Spec.Name === network)?.Addresses[0];
    return { id: id as string, node: node as string, ip: address?.split('/')[0] };
  });
}

/** The backend URLs the proxy sent requests to since `since` (its access log, Traefik's CLF). */
export function proxiedBackends(since: Date): Set<string> {
  const logs = execFileSync('docker', ['service', 'logs', '--raw', '--since', since.toISOString(), 'futuswarm-proxy'], {
    encoding: 'utf8',
    env: DOCKER_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return new Set([...logs.matchAll(/"(http:\/\/[\d.]+:\d+)"/g)].map((m) => m[1] as string));
}

/** How many managers the swarm counts as reachable. */
export function reachableManagers(): number {
  const ids = execFileSync('docker', ['node', 'ls', '--filter', 'role=manager', '-q'], { encoding: 'utf8', env: DOCKER_ENV }).split('\n').filter(Boolean);
  const nodes = JSON.parse(execFileSync('docker', ['node', 'inspect', ...ids], { encoding: 'utf8', env: DOCKER_ENV })) as { ManagerStatus?: { Reachability: string } }[];
  return nodes.filter((n) => n.ManagerStatus?.Reachability === 'reachable').length;
}

/** The node's state as Swarm sees it (ready, down, unknown), or undefined if it has no such node or no manager answers. */
export function nodeState(hostname: string): string | undefined {
  let rows: string[];
  try {
    rows = execFileSync('docker', ['node', 'ls', '--format', '{{.Hostname}} {{.Status}}'], { encoding: 'utf8', env: DOCKER_ENV, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n');
  } catch {
    // While the managers elect a new leader (the lost one led), they answer nothing.
    return undefined;
  }
  return rows.map((r) => r.split(' ')).find(([name]) => name === hostname)?.[1]?.toLowerCase();
}
