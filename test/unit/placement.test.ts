/** Placement as data: the managers decision, validation with paths, merging with what is stored, and whether any node fits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateArgs } from '../../src/cli/validate-args.ts';
import { FLAGS } from '../../src/cli/commands/app-deploy.ts';
import { appSettingsSchema } from '../../src/core/app-settings.ts';
import { FutuswarmError, parseWith } from '../../src/core/errors.ts';
import {
  appsAvoidManagers,
  eligibleNodes,
  mergePlacement,
  normalizePlacement,
  parseConstraintFlags,
  placementProblem,
  specKeepsToWorkers,
  splitConstraint,
  type NodeDescription,
} from '../../src/core/placement.ts';
import { OP_ARGS } from '../../src/protocol.ts';

const node = (hostname: string, role: string, labels: Record<string, string> = {}, availability = 'active', state = 'ready'): NodeDescription => ({ hostname, role, availability, state, labels });
const manager = node('m1', 'manager');
const workerA = node('w1', 'worker', { zone: 'a' });
const workerB = node('w2', 'worker', { zone: 'b', disk: 'ssd' });

describe('the managers decision', () => {
  it('auto: workers only as soon as one worker is active and ready', () => {
    assert.equal(appsAvoidManagers('auto', [manager]), false);
    assert.equal(appsAvoidManagers('auto', [manager, workerA]), true);
    assert.equal(appsAvoidManagers('auto', [manager, node('w1', 'worker', {}, 'drain')]), false);
    assert.equal(appsAvoidManagers('auto', [manager, node('w1', 'worker', {}, 'active', 'down')]), false);
  });

  it('always and never do not look at the nodes', () => {
    assert.equal(appsAvoidManagers('always', [manager, workerA]), false);
    assert.equal(appsAvoidManagers('never', [manager]), true);
  });
});

describe('placement input', () => {
  it('splits --constraint texts; whatever is not == or != stays for the schema to refuse', () => {
    assert.deepEqual(splitConstraint('zone==a'), { label: 'zone', op: '==', value: 'a' });
    assert.deepEqual(splitConstraint('disk!=hdd'), { label: 'disk', op: '!=', value: 'hdd' });
    assert.deepEqual(splitConstraint('zone=a'), { label: 'zone', op: '=', value: 'a' });
    assert.deepEqual(splitConstraint('zone'), { label: 'zone', op: '', value: '' });
  });

  it('parseConstraintFlags reports every bad text at once, each with the part that is wrong', () => {
    assert.deepEqual(parseConstraintFlags(['zone==a', 'disk!=hdd']), [{ label: 'zone', op: '==', value: 'a' }, { label: 'disk', op: '!=', value: 'hdd' }]);
    assert.throws(
      () => parseConstraintFlags(['zone=a', 'Zone==a', 'zone==a b']),
      (e: unknown) => {
        assert.ok(e instanceof FutuswarmError);
        assert.equal(e.code, 'invalid_input');
        assert.deepEqual(e.message.split('\n'), [
          '--constraint "zone=a": op: must be == or != between the label and the value, as in zone==a',
          '--constraint "Zone==a": label: a label key starts with a lowercase letter and holds only a-z, 0-9, ".", "_" and "-" (at most 63 characters)',
          '--constraint "zone==a b": value: a label value holds only A-Z, a-z, 0-9, ".", "_" and "-" (at most 63 characters)',
        ]);
        return true;
      },
    );
  });

  it('the agent checks the request again, naming each bad value by its path', () => {
    const base = { app: 'shop', image: 'acme/shop', tag: '1' };
    assert.throws(
      () => parseWith(OP_ARGS['app.deploy'], { ...base, constraints: [{ label: 'zone', op: '=', value: 'a' }, { label: 'node.role', op: '==', value: 'x y' }], spread: ['Zone'] }, 'invalid arguments', { root: 'args' }),
      (e: unknown) => {
        assert.ok(e instanceof FutuswarmError);
        assert.equal(e.code, 'invalid_input');
        assert.deepEqual((e.details as { issues: string[] }).issues.map((l) => l.split(':')[0]), ['args.constraints.0.op', 'args.constraints.1.value', 'args.spread.0']);
        return true;
      },
    );
    // An expression is no label; and the agent takes data only, never an expression string.
    assert.throws(() => parseWith(OP_ARGS['app.deploy'], { ...base, spread: ['zone==a'] }, 'x', { root: 'args' }), /args\.spread\.0: a label key starts with a lowercase letter/);
    assert.throws(() => parseWith(OP_ARGS['app.deploy'], { ...base, constraints: ['node.role==manager'] }, 'x', { root: 'args' }), /args\.constraints\.0: must be an object/);
    assert.throws(() => parseWith(OP_ARGS['app.deploy'], { ...base, constraints: [{ label: 'zone', op: '==', value: 'a', expr: 'node.role==manager' }] }, 'x', { root: 'args' }), /args\.constraints\.0: unknown key "expr"/);
  });

  it('the CLI names the flag, and refuses more than 10', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ label: `l${i}`, op: '==' as const, value: 'x' }));
    assert.throws(() => validateArgs('app.deploy', { app: 'shop', image: 'acme/shop', tag: '1', constraints: many }, FLAGS), /^FutuswarmError: --constraint: must have at most 10 items$/);
    assert.throws(() => validateArgs('app.deploy', { app: 'shop', image: 'acme/shop', tag: '1', spread: ['zone', '9lives'] }, FLAGS), /^FutuswarmError: --spread\.1: a label key starts with a lowercase letter/);
  });

  it('stored settings are checked as strictly', () => {
    assert.equal(appSettingsSchema.safeParse({ port: 80, replicas: 1, placement: { constraints: [{ label: 'zone', op: '=', value: 'a' }] } }).success, false);
    assert.deepEqual(appSettingsSchema.parse({ port: 80, replicas: 1, placement: { spread: ['zone'] } }).placement, { constraints: [], spread: ['zone'] });
  });
});

describe('placement across deploys', () => {
  const stored = { constraints: [{ label: 'zone', op: '==' as const, value: 'a' }], spread: ['zone'] };

  it('keeps what is stored when a deploy says nothing', () => {
    assert.deepEqual(mergePlacement(stored, {}), stored);
    assert.equal(mergePlacement(undefined, {}), undefined);
  });

  it('each part given replaces the stored one; [] drops it; nothing left is no placement', () => {
    assert.deepEqual(mergePlacement(stored, { constraints: [{ label: 'disk', op: '!=', value: 'hdd' }] }), { constraints: [{ label: 'disk', op: '!=', value: 'hdd' }], spread: ['zone'] });
    assert.deepEqual(mergePlacement(stored, { spread: [] }), { constraints: stored.constraints, spread: [] });
    assert.equal(mergePlacement(stored, { constraints: [], spread: [] }), undefined);
  });

  it('normalizes: constraints sorted and once, spread once in the order given', () => {
    assert.deepEqual(
      normalizePlacement({ constraints: [{ label: 'zone', op: '==', value: 'a' }, { label: 'disk', op: '!=', value: 'hdd' }, { label: 'zone', op: '==', value: 'a' }], spread: ['zone', 'rack', 'zone'] }),
      { constraints: [{ label: 'disk', op: '!=', value: 'hdd' }, { label: 'zone', op: '==', value: 'a' }], spread: ['zone', 'rack'] },
    );
  });
});

describe('which nodes can take the tasks', () => {
  const nodes = [manager, workerA, workerB];

  it('matches as Swarm does: values without regard to case, a missing label as empty', () => {
    const names = (constraints: { label: string; op: '==' | '!='; value: string }[], workersOnly = false) =>
      eligibleNodes({ constraints, spread: [] }, workersOnly, nodes).map((n) => n.hostname);
    assert.deepEqual(names([{ label: 'zone', op: '==', value: 'A' }]), ['w1']);
    assert.deepEqual(names([{ label: 'disk', op: '!=', value: 'ssd' }]), ['m1', 'w1']);
    assert.deepEqual(names([{ label: 'disk', op: '!=', value: 'ssd' }], true), ['w1']);
    assert.deepEqual(eligibleNodes(undefined, false, [manager, node('w3', 'worker', {}, 'drain')]).map((n) => n.hostname), ['m1']);
  });

  it('no problem when a node fits, or when there is no placement at all', () => {
    assert.equal(placementProblem('shop', { constraints: [{ label: 'zone', op: '==', value: 'b' }], spread: [] }, 'auto', nodes), undefined);
    assert.equal(placementProblem('shop', undefined, 'auto', [manager]), undefined);
  });

  it('refuses constraints no node meets, naming them and every node with its labels', () => {
    const e = placementProblem('shop', { constraints: [{ label: 'zone', op: '==', value: 'c' }], spread: ['zone'] }, 'auto', nodes);
    assert.ok(e);
    assert.equal(e.code, 'invalid_input');
    assert.equal(
      e.message,
      'no active, ready worker with zone==c can run the tasks of shop (apps keep off managers while the cluster has a worker: nodes.appsOnManagers is auto); ' +
        'nodes: m1 (manager, active, ready; no labels); w1 (worker, active, ready; zone=a); w2 (worker, active, ready; disk=ssd, zone=b)',
    );
    assert.equal(e.hint, 'an admin labels a node to take them (futuswarm admin node:label, e.g. zone=c), or deploy with other constraints: --constraint LABEL==VALUE, or --no-constraints');
  });

  it('a label only a manager has does not help while apps keep off managers', () => {
    const labelled = [node('m1', 'manager', { gpu: 'yes' }), workerA];
    assert.ok(placementProblem('shop', { constraints: [{ label: 'gpu', op: '==', value: 'yes' }], spread: [] }, 'auto', labelled));
    assert.equal(placementProblem('shop', { constraints: [{ label: 'gpu', op: '==', value: 'yes' }], spread: [] }, 'always', labelled), undefined);
  });

  it('never, with no worker: says so instead of leaving tasks pending', () => {
    const e = placementProblem('shop', undefined, 'never', [manager, node('w1', 'worker', {}, 'drain')]);
    assert.ok(e);
    assert.equal(e.message, 'no active, ready worker can run the tasks of shop (the cluster keeps apps off managers: nodes.appsOnManagers is never); nodes: m1 (manager, active, ready; no labels); w1 (worker, drain, ready; no labels)');
    assert.equal(e.hint, 'an admin adds a worker to the cluster, or sets nodes.appsOnManagers to auto or always in the cluster file');
  });
});

describe('specKeepsToWorkers', () => {
  it('reads the role constraint from a spec as Docker returns it', () => {
    assert.equal(specKeepsToWorkers({ TaskTemplate: { Placement: { Constraints: ['node.role==worker', 'node.labels.zone==a'] } } }), true);
    assert.equal(specKeepsToWorkers({ TaskTemplate: { Placement: {} } }), false);
    assert.equal(specKeepsToWorkers({}), false);
  });
});
