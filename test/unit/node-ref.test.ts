import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FutuswarmError } from '../../src/core/errors.ts';
import { nodeRef, resolveNode } from '../../src/core/node-ref.ts';
import { didYouMean, editDistance, suggestSimilar } from '../../src/core/suggest.ts';

const nodes = [
  { id: 'k3v9x0aaaaaaaaaaaaaaaaaaa', hostname: 'ip-10-0-1-12', state: 'ready' },
  { id: 'p2q8r1bbbbbbbbbbbbbbbbbbb', hostname: 'futuswarm-node1', state: 'ready' },
  { id: 'p2z7y6ccccccccccccccccccc', hostname: 'futuswarm-node2', state: 'ready' },
];

function refused(ref: string, list = nodes): FutuswarmError {
  try {
    resolveNode(list, ref);
  } catch (e) {
    assert.ok(e instanceof FutuswarmError);
    return e;
  }
  throw new Error(`${ref} resolved`);
}

describe('resolveNode', () => {
  it('takes a host name, any case', () => {
    assert.equal(resolveNode(nodes, 'futuswarm-node1').id, nodes[1]!.id);
    assert.equal(resolveNode(nodes, 'FUTUSWARM-NODE2').id, nodes[2]!.id);
  });
  it('takes an ID, or the start of exactly one', () => {
    assert.equal(resolveNode(nodes, nodes[0]!.id).hostname, 'ip-10-0-1-12');
    assert.equal(resolveNode(nodes, 'k3').hostname, 'ip-10-0-1-12');
    assert.equal(resolveNode(nodes, 'p2q').hostname, 'futuswarm-node1');
  });
  it('refuses the start of several IDs, listing them', () => {
    const e = refused('p2');
    assert.equal(e.code, 'invalid_input');
    assert.equal(e.message, 'p2 names 2 nodes with IDs that start with it: p2q8r1bbbbbb (futuswarm-node1, ready), p2z7y6cccccc (futuswarm-node2, ready)');
  });
  it('refuses a host name two nodes share (a node that joined again), asking for the ID', () => {
    const again = [...nodes, { id: 'zzzzzzdddddddddddddddddddd', hostname: 'futuswarm-node1', state: 'down' }];
    const e = refused('futuswarm-node1', again);
    assert.match(e.message, /^futuswarm-node1 names 2 nodes with the same host name: p2q8r1bbbbbb \(futuswarm-node1, ready\), zzzzzzdddddd \(futuswarm-node1, down\)$/);
    assert.match(e.hint ?? '', /give the node's ID/);
  });
  it('says which nodes there are for an unknown name, with a suggestion when one is close', () => {
    const e = refused('futuswarm-nod1');
    assert.equal(e.code, 'not_found');
    assert.equal(e.message, 'there is no node futuswarm-nod1 in this swarm; its nodes are futuswarm-node1, futuswarm-node2, ip-10-0-1-12');
    assert.equal(e.hint, 'did you mean futuswarm-node1? (futuswarm admin node:list shows every node)');
    assert.equal(refused('node3').hint, 'futuswarm admin node:list shows every node, with its ID');
    assert.equal(refused('node1').hint, 'did you mean futuswarm-node1? (futuswarm admin node:list shows every node)');
  });
});

describe('nodeRef', () => {
  for (const good of ['futuswarm-node1', 'ip-10-0-1-12.eu-north-1.compute.internal', 'k3v9x0', 'Host_1']) {
    it(`accepts ${good}`, () => assert.equal(nodeRef.safeParse(good).success, true));
  }
  for (const bad of ['', '-x', 'a b', 'node;rm', '../x', 'x'.repeat(254)]) {
    it(`rejects ${JSON.stringify(bad.slice(0, 12))}`, () => assert.equal(nodeRef.safeParse(bad).success, false));
  }
});

describe('suggestions', () => {
  it('count a swap of neighbours as one edit', () => {
    assert.equal(editDistance('node1', 'nod1e'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
  it('offer the closest names, else those containing what was typed', () => {
    assert.deepEqual(suggestSimilar('futuswarm-node3', ['futuswarm-node1', 'futuswarm-node2', 'manager']), ['futuswarm-node1', 'futuswarm-node2']);
    assert.deepEqual(suggestSimilar('managr', ['futuswarm-node1', 'manager']), ['manager']);
    assert.deepEqual(suggestSimilar('xyz', ['futuswarm-node1', 'manager']), []);
    assert.equal(didYouMean('futuswarm-node3', ['futuswarm-node1', 'futuswarm-node2']), 'did you mean futuswarm-node1 or futuswarm-node2?');
    assert.equal(didYouMean('zzz', ['manager']), undefined);
  });
});
