/** The nodes' SSH host keys (`nodes/<addr>`), which managers check when they connect to a node. */
import * as z from 'zod';
import { parseWith } from '../core/errors.ts';
import { parseSshPublicKey } from '../core/ssh-public-key.ts';
import { isoTime, putJson, StateConcern } from './json.ts';
import { stateKeys } from './keys.ts';

/** A node's address as Swarm reports it: an IPv4 or IPv6 address. */
const nodeAddr = z.union([z.ipv4(), z.ipv6()]);
const nodeRecordSchema = z.strictObject({
  addr: nodeAddr,
  hostname: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'must be a host name'),
  /** `type base64` lines, as in a known_hosts file without the host column. */
  hostKeys: z
    .array(z.string().refine((s) => parseSshPublicKey(s) !== undefined, 'must be an SSH public key "type base64"'))
    .min(1)
    .max(10),
  registeredAt: isoTime,
});
export type NodeRecord = z.output<typeof nodeRecordSchema>;

export class NodeRecords extends StateConcern {
  /** Record a node's SSH host keys under its address (each node at boot: `futuswarm-agent node:register`). */
  async register(input: { addr: string; hostname: string; hostKeys: string[] }): Promise<NodeRecord> {
    const record = parseWith(nodeRecordSchema, { ...input, registeredAt: this.now().toISOString() }, 'node');
    const key = stateKeys.node(record.addr);
    const current = await this.store.get(key);
    // A node that boots again with the same address replaces its old record.
    await putJson(this.store, key, record, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
    return record;
  }

  /**
   * Delete the record under `addr` (a node removed from the swarm). With `hostname`, only a
   * record of that host: a new node that took the address keeps its own. False: nothing deleted.
   */
  async forget(addr: string, hostname?: string): Promise<boolean> {
    const key = stateKeys.node(parseWith(nodeAddr, addr, 'node address'));
    const object = await this.store.get(key);
    if (!object) return false;
    const record = nodeRecordSchema.safeParse(JSON.parse(object.body.toString('utf8')));
    if (hostname !== undefined && record.success && record.data.hostname !== hostname) return false;
    await this.store.delete(key, { ifMatch: object.etag });
    return true;
  }

  /** What a node registered, or undefined. */
  async get(addr: string): Promise<NodeRecord | undefined> {
    const object = await this.store.get(stateKeys.node(parseWith(nodeAddr, addr, 'node address')));
    if (!object) return undefined;
    return parseWith(nodeRecordSchema, JSON.parse(object.body.toString('utf8')), `node ${addr}`, { code: 'protocol' });
  }
}
