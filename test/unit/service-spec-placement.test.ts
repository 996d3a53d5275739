/** Placement in the ServiceSpec: the managers decision, constraints and spread, as data; and hashes that stay put. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appSettingsSchema } from '../../src/core/app-settings.ts';
import { buildServiceSpec, LABEL, templateHash, type AppSettings, type ClusterInfo } from '../../src/core/service-spec.ts';
import { diffSpecs } from '../../src/core/spec-diff.ts';

const cluster: ClusterInfo = { name: 'prod', domain: 'apps.example.com', network: 'futuswarm-proxy', scheme: 'https' };
const onWorkers: ClusterInfo = { ...cluster, workersOnly: true };
const timing = { monitorSeconds: 5, stopGraceSeconds: 10 };
const release = { number: 3, image: 'acme/shop:1', env: { A: '1' } };
const settings: AppSettings = { port: 8080, replicas: 2, domains: [], internal: false };
const placed: AppSettings = {
  ...settings,
  placement: {
    constraints: [
      { label: 'zone', op: '==', value: 'a' },
      { label: 'disk', op: '!=', value: 'hdd' },
    ],
    spread: ['zone', 'rack'],
  },
};

describe('buildServiceSpec: placement', () => {
  it('no placement and managers allowed: the spec has no Placement at all', () => {
    const spec = buildServiceSpec('shop', settings, release, cluster, timing);
    assert.equal('Placement' in spec.TaskTemplate, false);
  });

  it('workers only: one role constraint', () => {
    const spec = buildServiceSpec('shop', settings, release, onWorkers, timing);
    assert.deepEqual(spec.TaskTemplate.Placement, { Constraints: ['node.role==worker'] });
  });

  it('renders label constraints (sorted) after the role, and spread labels as preferences in the order given', () => {
    const spec = buildServiceSpec('shop', placed, release, onWorkers, timing);
    assert.deepEqual(spec.TaskTemplate.Placement, {
      Constraints: ['node.role==worker', 'node.labels.disk!=hdd', 'node.labels.zone==a'],
      Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }, { Spread: { SpreadDescriptor: 'node.labels.rack' } }],
    });
  });

  it('spread alone, managers allowed: preferences and no constraints', () => {
    const spec = buildServiceSpec('shop', { ...settings, placement: { constraints: [], spread: ['zone'] } }, release, cluster, timing);
    assert.deepEqual(spec.TaskTemplate.Placement, { Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }] });
  });

  it('the settings label carries the placement as data', () => {
    const spec = buildServiceSpec('shop', placed, release, cluster, timing);
    assert.deepEqual(JSON.parse(spec.Labels[LABEL.settings] ?? '{}').placement, placed.placement);
  });
});

describe('hashes with placement', () => {
  const hashes = (s: AppSettings, c: ClusterInfo, n = 1) => {
    const spec = buildServiceSpec('shop', s, { ...release, number: n }, c, timing);
    return [spec.Labels[LABEL.specHash], spec.Labels[LABEL.templateHash]];
  };

  it('an app without placement keeps the hashes it had before placement existed', () => {
    // The same settings as stored before (no placement key), on a cluster with no worker.
    const before = buildServiceSpec('shop', appSettingsSchema.parse({ port: 8080, replicas: 2 }), release, { name: 'prod', domain: 'apps.example.com', network: 'futuswarm-proxy', scheme: 'https' }, timing);
    assert.deepEqual(hashes(settings, cluster), [before.Labels[LABEL.specHash], before.Labels[LABEL.templateHash]]);
    assert.deepEqual(hashes(settings, { ...cluster, workersOnly: false }), hashes(settings, cluster));
  });

  it('the same app on the same cluster hashes the same at every deploy, whatever the release number', () => {
    assert.deepEqual(hashes(placed, onWorkers, 1), hashes(placed, onWorkers, 2));
  });

  it('the same constraints in another order, or repeated, hash the same', () => {
    const reordered: AppSettings = {
      ...placed,
      placement: { constraints: [...placed.placement!.constraints].reverse().concat(placed.placement!.constraints[0]!), spread: placed.placement!.spread },
    };
    assert.deepEqual(buildServiceSpec('shop', reordered, release, onWorkers, timing).TaskTemplate.Placement, buildServiceSpec('shop', placed, release, onWorkers, timing).TaskTemplate.Placement);
    assert.equal(hashes(reordered, onWorkers)[1], hashes(placed, onWorkers)[1]);
  });

  it('the managers decision and the placement change the task template (tasks move)', () => {
    const base = buildServiceSpec('shop', settings, release, cluster, timing);
    assert.notEqual(templateHash(buildServiceSpec('shop', settings, release, onWorkers, timing)), templateHash(base));
    assert.notEqual(templateHash(buildServiceSpec('shop', placed, release, cluster, timing)), templateHash(base));
    const otherSpread: AppSettings = { ...placed, placement: { ...placed.placement!, spread: ['rack', 'zone'] } };
    assert.notEqual(hashes(otherSpread, cluster)[1], hashes(placed, cluster)[1], 'spread order is precedence');
  });
});

describe('diffSpecs: placement', () => {
  it('shows constraints and spread as people write them', () => {
    const before = buildServiceSpec('shop', settings, release, cluster, timing);
    const after = buildServiceSpec('shop', placed, release, onWorkers, timing);
    assert.deepEqual(diffSpecs(before, after), [
      { field: 'constraints', from: '(none)', to: 'node.role==worker, disk!=hdd, zone==a' },
      { field: 'spread', from: '(none)', to: 'zone, rack' },
    ]);
    assert.deepEqual(diffSpecs(after, after), []);
  });
});
