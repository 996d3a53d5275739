/**
 * Swarm placement constraints, evaluated as Swarm does (swarmkit's constraint matching), so a
 * drain can be refused before it strands an app: `node.id`, `node.hostname`, `node.role`,
 * `node.platform.os|arch`, `node.labels.<k>` and `engine.labels.<k>` with `==` or `!=`. Values
 * compare without case; a label the node lacks compares as "".
 */

export interface PlacementNode {
  id: string;
  hostname: string;
  role: string;
  availability: string;
  state: string;
  labels: Readonly<Record<string, string>>;
  engineLabels: Readonly<Record<string, string>>;
  platform: { os: string; arch: string };
}

/** The facts about a node that app placement needs; what a node lacks here counts as met. */
export type NodeFacts = Pick<PlacementNode, 'hostname' | 'role' | 'availability' | 'state' | 'labels'> &
  Partial<Pick<PlacementNode, 'id' | 'engineLabels' | 'platform'>>;

export interface Constraint {
  key: string;
  op: '==' | '!=';
  value: string;
}

export function parseConstraint(text: string): Constraint | undefined {
  const m = /^\s*([^=!\s]+)\s*(==|!=)\s*(.*?)\s*$/.exec(text);
  return m ? { key: m[1]!, op: m[2] as Constraint['op'], value: m[3]! } : undefined;
}

/** What the node has under a constraint's key; undefined for a key futuswarm does not know. */
function valueOf(node: NodeFacts, key: string): string | undefined {
  const k = key.toLowerCase();
  if (k === 'node.id') return node.id;
  if (k === 'node.hostname') return node.hostname;
  if (k === 'node.role') return node.role;
  if (k === 'node.platform.os') return node.platform?.os;
  if (k === 'node.platform.arch') return node.platform?.arch;
  // The label's own name keeps its case.
  if (k.startsWith('node.labels.')) return node.labels[key.slice('node.labels.'.length)] ?? '';
  if (k.startsWith('engine.labels.')) return node.engineLabels ? (node.engineLabels[key.slice('engine.labels.'.length)] ?? '') : undefined;
  return undefined;
}

/** Whether the node meets every constraint. One futuswarm cannot read counts as met: Swarm accepted it. */
export function satisfies(node: NodeFacts, constraints: readonly string[]): boolean {
  return constraints.every((text) => {
    const c = parseConstraint(text);
    const have = c ? valueOf(node, c.key) : undefined;
    if (c === undefined || have === undefined) return true;
    const equal = have.toLowerCase() === c.value.toLowerCase();
    return c.op === '==' ? equal : !equal;
  });
}

/** Nodes Swarm places new tasks on. */
export function schedulable(node: Pick<NodeFacts, 'availability' | 'state'>): boolean {
  return node.availability === 'active' && node.state === 'ready';
}

export interface PlacedService {
  id: string;
  name: string;
  /** The app it is, for futuswarm's apps. */
  app: string | undefined;
  mode: 'replicated' | 'global' | 'replicated-job' | 'global-job';
  replicas: number;
  constraints: readonly string[];
  /** Tasks per node at most (Placement.MaxReplicas). */
  maxReplicas: number | undefined;
}

export interface DrainBlocker {
  service: string;
  app: string | undefined;
  reason: string;
}

/**
 * Replicated services with a task on `target` that would have nowhere (or not room enough) to
 * run once it is drained. Empty: draining strands nothing.
 */
export function drainBlockers(target: PlacementNode, nodes: readonly PlacementNode[], services: readonly PlacedService[], onTarget: ReadonlySet<string>): DrainBlocker[] {
  const others = nodes.filter((n) => n.id !== target.id && schedulable(n));
  const blockers: DrainBlocker[] = [];
  for (const s of services) {
    if (s.mode !== 'replicated' || s.replicas === 0 || !onTarget.has(s.id)) continue;
    const fits = others.filter((n) => satisfies(n, s.constraints));
    const blocked = (reason: string) => blockers.push({ service: s.name, app: s.app, reason });
    if (others.length === 0) blocked(`no other node is active and ready`);
    else if (fits.length === 0) blocked(`no other active node meets its placement (${s.constraints.join(', ')})`);
    else if (s.maxReplicas !== undefined && fits.length * s.maxReplicas < s.replicas) {
      blocked(`at most ${s.maxReplicas} task(s) per node: the ${fits.length} other node(s) it may use hold ${fits.length * s.maxReplicas} of its ${s.replicas}`);
    }
  }
  return blockers;
}

/** Global services (one task per node, such as the proxy) that run on no node once `target` is drained. */
export function globalServicesStranded(target: PlacementNode, nodes: readonly PlacementNode[], services: readonly PlacedService[]): string[] {
  if (target.availability === 'drain') return [];
  const others = nodes.filter((n) => n.id !== target.id && schedulable(n));
  return services
    .filter((s) => s.mode === 'global' && satisfies(target, s.constraints) && !others.some((n) => satisfies(n, s.constraints)))
    .map((s) => s.name)
    .sort();
}

/** "shop: no other node …; blog (service futuswarm-blog): …" for the refusal. */
export function describeBlockers(blockers: readonly DrainBlocker[]): string {
  return blockers.map((b) => `${b.app ?? `service ${b.service}`}: ${b.reason}`).join('; ');
}
