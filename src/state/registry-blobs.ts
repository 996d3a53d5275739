/**
 * The cluster registry's layers as they lie in the state bucket (Distribution's own layout under
 * the registry prefix): which blobs exist and how big each is. Read only; Distribution alone
 * writes there. Used to say what a garbage collection freed and what is left.
 */
import type { ObjectStore } from '../aws/state-store.ts';
import { blobDigestOfKey } from '../core/registry-gc.ts';

export class RegistryBlobs {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  /** Every blob under `prefix` (the registry's storage prefix), digest → bytes. */
  async sizes(prefix: string): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    for (const object of await this.#store.list(`${prefix}/docker/registry/v2/blobs/`)) {
      const digest = blobDigestOfKey(object.key);
      if (digest) sizes.set(digest, object.size ?? 0);
    }
    return sizes;
  }
}
