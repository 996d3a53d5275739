import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FutuswarmError } from '../../src/core/errors.ts';
import { parseLabelArgs, planLabels } from '../../src/core/node-labels.ts';
import { demoted, withAvailability, withLabels, type NodeSpec } from '../../src/core/node-spec.ts';
import { OP_ARGS } from '../../src/protocol.ts';

function refused(assignments: string[], removals: string[] = []): FutuswarmError {
  try {
    parseLabelArgs(assignments, removals);
  } catch (e) {
    assert.ok(e instanceof FutuswarmError);
    assert.equal(e.code, 'invalid_input');
    return e;
  }
  throw new Error('accepted');
}

describe('parseLabelArgs', () => {
  it('splits key=value at the first "=", allows an empty value, and takes --rm keys', () => {
    assert.deepEqual(parseLabelArgs(['zone=eu-north-1a', 'disk=', 'tier=a.b_c-1'], ['gpu', 'gpu']), {
      set: { zone: 'eu-north-1a', disk: '', 'tier': 'a.b_c-1' },
      remove: ['gpu'],
    });
  });
  it('names each bad item, all at once', () => {
    const e = refused(['Zone=a', 'disk=s s', 'plain', 'ok=1'], ['-x']);
    assert.deepEqual(e.details, {
      issues: [
        'Zone=a: a label key starts with a lowercase letter and holds only a-z, 0-9, ".", "_" and "-" (at most 63 characters)',
        'disk=s s: a label value holds only A-Z, a-z, 0-9, ".", "_" and "-" (at most 63 characters)',
        'plain: must be key=value (to remove a label: --rm plain)',
        '--rm -x: a label key starts with a lowercase letter and holds only a-z, 0-9, ".", "_" and "-" (at most 63 characters)',
      ],
    });
    assert.match(e.message, /^bad labels:\n {2}Zone=a: /);
  });
  it('refuses keys under futuswarm., which futuswarm keeps for itself', () => {
    assert.equal(refused(['futuswarm.role=x']).message, 'bad label futuswarm.role=x: keys under "futuswarm." are reserved for futuswarm itself');
    assert.match(refused([], ['futuswarm.role']).message, /--rm futuswarm\.role: keys under/);
  });
  it('refuses too long a key or value, nothing to do, a key set twice or set and removed', () => {
    assert.match(refused([`${'k'.repeat(64)}=1`]).message, /at most 63 characters/);
    assert.match(refused([`k=${'v'.repeat(64)}`]).message, /label value/);
    assert.equal(refused([]).message, 'nothing to change: give at least one key=value to set or --rm key');
    assert.match(refused(['a=1', 'a=2']).message, /a=2: a is given twice/);
    assert.match(refused(['a=1'], ['a']).message, /a: both set and removed/);
  });
  it('matches what the agent checks again', () => {
    const args = OP_ARGS['admin.node.label'];
    assert.equal(args.safeParse({ node: 'n1', set: { zone: 'a' }, remove: [] }).success, true);
    const bad = args.safeParse({ node: 'n1', set: { 'futuswarm.x': 'a', Zone: 'b' }, remove: ['ok'] });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')), ['set.futuswarm.x', 'set.Zone']);
    assert.equal(args.safeParse({ node: 'n1', set: {}, remove: [] }).success, false);
    assert.equal(args.safeParse({ node: 'n1', set: { a: '1' }, remove: ['a'] }).success, false);
  });
});

describe('planLabels', () => {
  it('lists each real change; setting what is there or removing what is not changes nothing', () => {
    assert.deepEqual(planLabels({ zone: 'a', disk: 'hdd', 'futuswarm.x': 'y' }, { set: { zone: 'a', disk: 'ssd', gpu: 'true' }, remove: ['old', 'zone'] }), {
      labels: { disk: 'ssd', gpu: 'true', 'futuswarm.x': 'y' },
      edits: [
        { key: 'disk', from: 'hdd', to: 'ssd' },
        { key: 'gpu', from: null, to: 'true' },
        { key: 'zone', from: 'a', to: null },
      ],
    });
  });
});

describe('node specs', () => {
  const spec: NodeSpec = { Name: 'n', Labels: { zone: 'a' }, Role: 'manager', Availability: 'active' };
  it('change one field and keep the rest', () => {
    assert.deepEqual(withAvailability(spec, 'drain'), { Name: 'n', Labels: { zone: 'a' }, Role: 'manager', Availability: 'drain' });
    assert.deepEqual(demoted(spec), { Name: 'n', Labels: { zone: 'a' }, Role: 'worker', Availability: 'active' });
    assert.deepEqual(withLabels(spec, { disk: 'ssd' }), { Name: 'n', Labels: { disk: 'ssd' }, Role: 'manager', Availability: 'active' });
    assert.deepEqual(spec.Labels, { zone: 'a' }, 'the spec read is left as it was');
  });
});
