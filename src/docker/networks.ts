/** The swarm's overlay networks on the manager's Engine: create if absent, wait until one is gone. */
import type Dockerode from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, statusOf, translate } from './docker-errors.ts';

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
}

/** The network a Docker error says it cannot find ("network NAME not found"), if that is the error. */
export function missingNetwork(e: unknown): string | undefined {
  return /\bnetwork (\S+) not found\b/.exec((e as Error | undefined)?.message ?? '')?.[1];
}
