/** What the admin node ops share: finding the node an admin named, and changing its spec safely. */
import { isFutuswarmError } from '../core/errors.ts';
import type { NodeSpec } from '../core/node-spec.ts';
import type { PlacedService, PlacementNode } from '../core/node-placement.ts';
import { resolveNode } from '../core/node-ref.ts';
import { LABEL } from '../core/service-spec.ts';
import type { DockerEngine, NodeInfo, ServiceInfo } from '../docker/engine.ts';

/** The node `ref` names (host name, ID or ID prefix), with all the swarm's nodes. */
export async function findNode(docker: DockerEngine, ref: string): Promise<{ node: NodeInfo; nodes: NodeInfo[] }> {
  const nodes = await docker.listNodes();
  return { node: resolveNode(nodes, ref), nodes };
}

/** How results name a node. */
export const named = (n: NodeInfo): { id: string; name: string } => ({ id: n.id, name: n.hostname });

/** Attempts when another change of the node lands between our read and our write. */
const UPDATE_ATTEMPTS = 3;

/**
 * Read the node, let `change` build its new spec (undefined: nothing to change) and write it
 * with the version read; when someone else changed the node in between, read it again.
 */
export async function changeNodeSpec(docker: DockerEngine, id: string, change: (node: NodeInfo) => NodeSpec | undefined): Promise<{ node: NodeInfo; changed: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const node = await docker.nodes.inspect(id);
    const spec = change(node);
    if (spec === undefined) return { node, changed: false };
    try {
      await docker.nodes.update(id, node.version, spec);
      return { node, changed: true };
    } catch (e) {
      if (!isFutuswarmError(e) || e.code !== 'conflict' || attempt >= UPDATE_ATTEMPTS) throw e;
    }
  }
}

export function placementNode(n: NodeInfo): PlacementNode {
  return { id: n.id, hostname: n.hostname, role: n.role, availability: n.availability, state: n.state, labels: n.labels, engineLabels: n.engineLabels, platform: n.platform };
}

export function placedService(s: ServiceInfo): PlacedService {
  return {
    id: s.id,
    name: s.name,
    app: s.labels[LABEL.app],
    mode: s.mode,
    replicas: s.replicas,
    constraints: s.placement.constraints,
    maxReplicas: s.placement.maxReplicas,
  };
}
