/** The swarm's nodes on the manager's Engine: list, inspect, update (availability, role, labels), remove. */
import type Dockerode from 'dockerode';
import type { NodeSpec } from '../core/node-spec.ts';
import { call } from './docker-errors.ts';

export interface NodeInfo {
  id: string;
  hostname: string;
  /** The address the node's engine reports to the swarm. */
  addr: string | undefined;
  role: string;
  /** active, pause or drain: whether Swarm places tasks on it. */
  availability: string;
  /** ready, down, unknown or disconnected, as the managers see it. */
  state: string;
  /** For managers: leader, reachable or unreachable; null for workers. */
  managerStatus: string | null;
  engineVersion: string | undefined;
  labels: Record<string, string>;
  /** What placement constraints see of it besides the above: node.platform.* and engine.labels.*. */
  platform: { os: string; arch: string };
  engineLabels: Record<string, string>;
  /** Swarm's version of the node object: an update must name the version it read. */
  version: number;
  /** The spec as Swarm holds it; an update replaces all of it. */
  spec: NodeSpec;
}

interface RawNode {
  ID?: string;
  Version?: { Index?: number };
  Description?: { Hostname?: string; Platform?: { OS?: string; Architecture?: string }; Engine?: { EngineVersion?: string; Labels?: Record<string, string> } };
  Status?: { Addr?: string; State?: string };
  Spec?: { Name?: string; Role?: string; Availability?: string; Labels?: Record<string, string> };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}

export class SwarmNodes {
  readonly #docker: Dockerode;
  constructor(docker: Dockerode) {
    this.#docker = docker;
  }

  async list(): Promise<NodeInfo[]> {
    const nodes = (await call(() => this.#docker.listNodes())) as RawNode[];
    return nodes.map(toNodeInfo);
  }

  /** One node by its full ID; a `not_found` error when there is none. */
  async inspect(id: string): Promise<NodeInfo> {
    return toNodeInfo((await call(() => this.#docker.getNode(id).inspect())) as RawNode);
  }

  /** Replace the node's spec; `version` is the one read, so a change in between is a `conflict`. */
  async update(id: string, version: number, spec: NodeSpec): Promise<void> {
    const node = this.#docker.getNode(id) as unknown as { update(opts: object): Promise<unknown> };
    await call(() => node.update({ _query: { version }, _body: spec }));
  }

  /** `docker node rm [--force]`. */
  async remove(id: string, force: boolean): Promise<void> {
    const node = this.#docker.getNode(id) as unknown as { remove(opts: object): Promise<unknown> };
    await call(() => node.remove({ force }));
  }
}

function toNodeInfo(n: RawNode): NodeInfo {
  const role = n.Spec?.Role === 'manager' ? 'manager' : 'worker';
  const availability = n.Spec?.Availability === 'drain' || n.Spec?.Availability === 'pause' ? n.Spec.Availability : 'active';
  return {
    id: n.ID ?? '',
    hostname: n.Description?.Hostname ?? n.ID ?? '',
    addr: n.Status?.Addr,
    role: n.Spec?.Role ?? 'worker',
    availability: n.Spec?.Availability ?? 'active',
    state: n.Status?.State ?? 'unknown',
    managerStatus: n.ManagerStatus ? (n.ManagerStatus.Leader ? 'leader' : (n.ManagerStatus.Reachability ?? 'unknown')) : null,
    engineVersion: n.Description?.Engine?.EngineVersion,
    labels: n.Spec?.Labels ?? {},
    platform: { os: n.Description?.Platform?.OS ?? '', arch: n.Description?.Platform?.Architecture ?? '' },
    engineLabels: n.Description?.Engine?.Labels ?? {},
    version: n.Version?.Index ?? 0,
    spec: { ...(n.Spec?.Name ? { Name: n.Spec.Name } : {}), Labels: n.Spec?.Labels ?? {}, Role: role, Availability: availability },
  };
}
