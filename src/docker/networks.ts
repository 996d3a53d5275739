/** The swarm's overlay networks on the manager's Engine: create if absent, list by label, remove. */
import type Dockerode from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, statusOf, translate } from './docker-errors.ts';

export interface NetworkInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  createdAt: string;
}

export class OverlayNetworks {
  readonly #docker: Dockerode;
  constructor(docker: Dockerode) {
    this.#docker = docker;
  }

  /** Create the overlay network unless one of that name exists; labels only on a new one. */
  async ensure(name: string, labels: Record<string, string> = {}): Promise<'created' | 'exists'> {
    const existing = await call(() => this.#docker.listNetworks({ filters: { name: [name] } }));
    if (existing.some((n) => n.Name === name)) return 'exists';
    try {
      await this.#docker.createNetwork({ Name: name, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: { 'futuswarm.network': name, ...labels } });
      return 'created';
    } catch (e) {
      // Another deploy created it between our list and create.
      if (statusOf(e) === 409) return 'exists';
      throw translate(e);
    }
  }

  /**
   * Wait until no network of this name or ID is listed on this node any more; false if one still
   * is after `withinMs`. A removed swarm network lingers on a node until its tasks there stop,
   * and meanwhile neither a new network of its name nor a service on it can be created.
   */
  async gone(nameOrId: string, withinMs: number): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const list = await call(() => this.#docker.listNetworks());
      if (!list.some((n) => n.Name === nameOrId || n.Id === nameOrId || n.Id.startsWith(nameOrId))) return true;
      if (Date.now() >= deadline) return false;
      await sleep(500);
    }
  }

  /** Swarm-scoped networks that carry the label (with that value, when given). */
  async withLabel(label: string, value?: string): Promise<NetworkInfo[]> {
    const filter = value === undefined ? label : `${label}=${value}`;
    const list = await call(() => this.#docker.listNetworks({ filters: { label: [filter], scope: ['swarm'] } }));
    return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {}, createdAt: n.Created }));
  }

  /**
   * Remove a network: `removed`, `absent`, or `in-use` while a service or container still has it
   * (a removed service's tasks take a few seconds to let go). Swarm forgets a removed network at
   * once; a node lists it until its tasks there are gone.
   */
  async remove(idOrName: string): Promise<'removed' | 'absent' | 'in-use'> {
    try {
      await this.#docker.getNetwork(idOrName).remove();
      return 'removed';
    } catch (e) {
      const status = statusOf(e);
      // A swarm network already removed can linger on a node until its last task lets go, and
      // Docker answers 500 "not found" for it meanwhile.
      if (status === 404 || (status === 500 && /not found/i.test((e as Error).message))) return 'absent';
      if (status === 403 || status === 409 || /in use|active endpoints/i.test((e as Error).message)) return 'in-use';
      throw translate(e);
    }
  }
}

/** The network a Docker error says it cannot find ("network NAME not found"), if that is the error. */
export function missingNetwork(e: unknown): string | undefined {
  return /\bnetwork (\S+) not found\b/.exec((e as Error | undefined)?.message ?? '')?.[1];
}
