/**
 * Judging a drain from what Swarm reports. Pure: the agent polls Docker and asks whether the
 * node's tasks have moved. A drain is done when no task of a replicated service is alive on the
 * node and every replicated service that had one there runs its desired count elsewhere again.
 * Swarm reports a task with a health check `running` only once its container is healthy (the
 * executor waits for it before the task leaves `starting`), so `running` is health-gated; it
 * must also have stayed running for `stableMs`, as a rollout's tasks must.
 */
import { ENDED_STATES, type ObservedTask } from './rollout.ts';

export interface DrainTask extends Pick<ObservedTask, 'id' | 'state' | 'desiredState' | 'since'> {
  serviceId: string;
  slot: number | undefined;
  nodeId: string | undefined;
}

export interface DrainService {
  id: string;
  name: string;
  mode: 'replicated' | 'global' | 'replicated-job' | 'global-job';
  replicas: number;
}

/** What the drain waits for, taken before the node is drained: services and their tasks on it. */
export interface DrainScope {
  nodeId: string;
  /** A node that is down cannot report its tasks stopped; Swarm has replaced them already. */
  nodeReady: boolean;
  services: { id: string; name: string; onNode: number }[];
}

/** A service of the scope: how many of its tasks run (stably) elsewhere, of how many it wants. */
export interface DrainServiceState {
  id: string;
  service: string;
  running: number;
  desired: number;
}

export interface DrainProgress {
  /** Tasks that were on the node when the drain began. */
  toMove: number;
  /** Of those, how many run (stably) elsewhere now. */
  moved: number;
  /** Tasks of replicated services still alive on the node, as `service.slot`. */
  staying: string[];
  /** Every service of the scope, as it runs elsewhere now. */
  services: DrainServiceState[];
  /** Those that run fewer than their desired tasks elsewhere. */
  short: DrainServiceState[];
  done: boolean;
}

const alive = (t: DrainTask): boolean => !ENDED_STATES.has(t.state);

/** How people name a task: `shop.2` (a replica's slot), else the start of its ID. */
export function taskName(service: string, task: Pick<DrainTask, 'id' | 'slot'>): string {
  return `${service}.${task.slot ?? task.id.slice(0, 12)}`;
}

export function drainScope(node: { id: string; ready: boolean }, services: readonly DrainService[], tasks: readonly DrainTask[]): DrainScope {
  const nodeId = node.id;
  const scope: DrainScope = { nodeId, nodeReady: node.ready, services: [] };
  for (const s of services) {
    if (s.mode !== 'replicated') continue;
    const onNode = tasks.filter((t) => t.serviceId === s.id && t.nodeId === nodeId && alive(t) && t.desiredState === 'running').length;
    if (onNode > 0) scope.services.push({ id: s.id, name: s.name, onNode });
  }
  return scope;
}

export function judgeDrain(scope: DrainScope, services: readonly DrainService[], tasks: readonly DrainTask[], now: number, stableMs: number): DrainProgress {
  const byId = new Map(services.map((s) => [s.id, s]));
  const staying = tasks
    .filter((t) => scope.nodeReady && t.nodeId === scope.nodeId && alive(t) && byId.get(t.serviceId)?.mode === 'replicated')
    .map((t) => taskName(byId.get(t.serviceId)!.name, t))
    .sort();
  let toMove = 0;
  let moved = 0;
  const states: DrainServiceState[] = [];
  for (const s of scope.services) {
    toMove += s.onNode;
    const current = byId.get(s.id);
    const running = tasks.filter(
      (t) => t.serviceId === s.id && t.nodeId !== scope.nodeId && t.state === 'running' && t.desiredState === 'running' && now - t.since >= stableMs,
    ).length;
    // A service removed meanwhile wants nothing more.
    const desired = current?.replicas ?? 0;
    states.push({ id: s.id, service: s.name, running, desired });
    // The others ran elsewhere already; what runs beyond them replaces the node's tasks.
    moved += running >= desired ? s.onNode : Math.min(s.onNode, Math.max(0, running - Math.max(0, desired - s.onNode)));
  }
  const short = states.filter((s) => s.running < s.desired);
  return { toMove, moved, staying, services: states, short, done: staying.length === 0 && short.length === 0 };
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** `3 tasks to move; 1/3 running elsewhere (12 s)`. */
export function describeDrainProgress(p: DrainProgress, seconds: number): string {
  const elapsed = ` (${Math.round(seconds)} s)`;
  if (p.toMove === 0) return `no tasks to move${p.staying.length ? `; ${plural(p.staying.length, 'task')} still stopping` : ''}${elapsed}`;
  const stopping = p.moved === p.toMove && p.staying.length > 0 ? `; ${plural(p.staying.length, 'task')} still stopping on the node` : '';
  return `${plural(p.toMove, 'task')} to move; ${p.moved}/${p.toMove} running elsewhere${stopping}${elapsed}`;
}

/** What stays when a drain times out, for its error: the tasks on the node, and the services short elsewhere. */
export function describeDrainLeftovers(p: DrainProgress): string {
  const parts: string[] = [];
  if (p.staying.length > 0) parts.push(`still on the node: ${p.staying.join(', ')}`);
  if (p.short.length > 0) parts.push(`short elsewhere: ${p.short.map((s) => `${s.service} runs ${s.running} of ${s.desired}`).join(', ')}`);
  return parts.join('; ');
}
