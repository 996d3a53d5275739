/** The swarm's overlay networks on the manager's Engine: create if absent. */
import type Dockerode from 'dockerode';
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
}
