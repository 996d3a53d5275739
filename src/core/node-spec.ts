/**
 * A Swarm node's spec as data, and the changes the admin node commands make to it. Docker's
 * node update replaces the whole spec, so every change starts from the spec as read.
 */

export type NodeAvailability = 'active' | 'pause' | 'drain';
export type NodeRole = 'manager' | 'worker';

export interface NodeSpec {
  Name?: string;
  Labels: Record<string, string>;
  Role: NodeRole;
  Availability: NodeAvailability;
}

export function withAvailability(spec: NodeSpec, availability: NodeAvailability): NodeSpec {
  return { ...spec, Labels: { ...spec.Labels }, Availability: availability };
}

/** The spec of a demoted manager: a worker, everything else as it was. */
export function demoted(spec: NodeSpec): NodeSpec {
  return { ...spec, Labels: { ...spec.Labels }, Role: 'worker' };
}

export function withLabels(spec: NodeSpec, labels: Record<string, string>): NodeSpec {
  return { ...spec, Labels: { ...labels } };
}
