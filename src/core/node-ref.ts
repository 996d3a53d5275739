/** Which node an admin means: a host name, a node ID or the start of one (as `docker node` takes them). */
import * as z from 'zod';
import { lazySchema } from './lazy-schemas.ts';
import { FutuswarmError } from './errors.ts';
import { didYouMean } from './suggest.ts';

/** What the admin node commands take as NAME. */
export const nodeRef = lazySchema(() =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, "must be a node's host name or ID (see futuswarm admin node:list)"),
);

export interface NamedNode {
  id: string;
  hostname: string;
  state?: string;
}

/**
 * The one node `ref` names: an exact ID, a host name (exact, else ignoring case), or the start of
 * exactly one ID. Unknown: `not_found` listing the known names; more than one: `invalid_input`.
 */
export function resolveNode<N extends NamedNode>(nodes: readonly N[], ref: string): N {
  const byId = nodes.find((n) => n.id === ref);
  if (byId) return byId;
  const lower = ref.toLowerCase();
  for (const named of [nodes.filter((n) => n.hostname === ref), nodes.filter((n) => n.hostname.toLowerCase() === lower)]) {
    if (named.length === 1) return named[0]!;
    if (named.length > 1) throw ambiguous(ref, named, 'the same host name');
  }
  const prefixed = nodes.filter((n) => n.id.startsWith(lower));
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) throw ambiguous(ref, prefixed, 'IDs that start with it');
  throw unknownNode(ref, [...new Set(nodes.map((n) => n.hostname))].sort());
}

function unknownNode(ref: string, names: readonly string[]): FutuswarmError {
  const suggestion = didYouMean(ref, names);
  return new FutuswarmError('not_found', `there is no node ${ref} in this swarm; its nodes are ${names.join(', ') || '(none)'}`, {
    hint: suggestion ? `${suggestion} (futuswarm admin node:list shows every node)` : 'futuswarm admin node:list shows every node, with its ID',
    details: { nodes: names },
  });
}

function ambiguous(ref: string, nodes: readonly NamedNode[], why: string): FutuswarmError {
  const list = nodes.map((n) => `${n.id.slice(0, 12)} (${n.hostname}${n.state ? `, ${n.state}` : ''})`).join(', ');
  return new FutuswarmError('invalid_input', `${ref} names ${nodes.length} nodes with ${why}: ${list}`, {
    hint: 'give the node\'s ID instead (futuswarm admin node:list --json shows it)',
  });
}
