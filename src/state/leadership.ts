/**
 * Which resident agent runs the cluster's periodic work (`cluster/agent/leader`): a lease that
 * one daemon at a time holds. Taken with If-None-Match, or over an expired lease with If-Match;
 * renewed with If-Match by its holder only. A holder that dies stops renewing, and its lease
 * expires; a holder that stops cleanly resigns at once. Two agents never both hold it: every
 * write is conditional on the version that was read, so of two racing writes one fails.
 */
import * as z from 'zod';
import { parseWith } from '../core/errors.ts';
import { isConflict, isoTime, parseJson, putJson, StateConcern } from './json.ts';
import { stateKeys } from './keys.ts';

const leaseSchema = z.looseObject({
  holder: z.string().min(1).max(200),
  since: isoTime,
  expiresAt: isoTime,
});
export type Lease = z.output<typeof leaseSchema>;

export interface LeaseOutcome {
  /** Whether `holder` holds the lease now (until `lease.expiresAt`). */
  leader: boolean;
  /** The lease as it stands, whoever holds it; undefined when nobody does. */
  lease: Lease | undefined;
}

export class Leadership extends StateConcern {
  async #read(): Promise<{ lease: Lease; etag: string } | undefined> {
    const object = await this.store.get(stateKeys.leader);
    if (!object) return undefined;
    return { lease: parseWith(leaseSchema, parseJson(object, 'leader lease'), 'leader lease', { code: 'protocol' }), etag: object.etag };
  }

  async current(): Promise<Lease | undefined> {
    return (await this.#read())?.lease;
  }

  /**
   * One attempt to take or keep the lease for `ttlSeconds`: the holder renews its own; anyone
   * takes an absent or expired one. A write that loses a race answers `leader: false`.
   */
  async claim(holder: string, ttlSeconds: number): Promise<LeaseOutcome> {
    const now = this.now();
    const current = await this.#read();
    const mine = current?.lease.holder === holder;
    if (current && !mine && Date.parse(current.lease.expiresAt) > now.getTime()) return { leader: false, lease: current.lease };
    const lease: Lease = {
      holder,
      since: mine && current ? current.lease.since : now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
    };
    try {
      await putJson(this.store, stateKeys.leader, lease, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
      return { leader: true, lease };
    } catch (e) {
      if (!isConflict(e)) throw e;
      return { leader: false, lease: await this.current() };
    }
  }

  /** Gives the lease up if `holder` still holds it, so another agent need not wait for it to expire. */
  async resign(holder: string): Promise<boolean> {
    const current = await this.#read();
    if (current?.lease.holder !== holder) return false;
    try {
      await this.store.delete(stateKeys.leader, { ifMatch: current.etag });
      return true;
    } catch (e) {
      if (!isConflict(e)) throw e;
      return false;
    }
  }
}
