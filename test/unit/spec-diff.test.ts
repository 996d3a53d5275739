import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffSpecs } from '../../src/core/spec-diff.ts';
import { buildServiceSpec } from '../../src/core/service-spec.ts';

const cluster = { name: 'c', domain: 'apps.example.com', network: 'futuswarm-proxy', scheme: 'https' as const };
const timing = { monitorSeconds: 5, stopGraceSeconds: 10 };
const settings = { port: 8080, replicas: 1, domains: [], internal: false };

describe('diffSpecs', () => {
  it('shows image, replicas and labels, and env keys without their values', () => {
    const before = buildServiceSpec('shop', settings, { number: 1, image: 'acme/shop:1', env: { KEEP: 'x', GONE: 'y', CHANGED: 'old-secret' } }, cluster, timing);
    const after = buildServiceSpec('shop', { ...settings, replicas: 3 }, { number: 2, image: 'acme/shop:2', env: { KEEP: 'x', CHANGED: 'new-secret', ADDED: 'z' } }, cluster, timing);
    const changes = diffSpecs(before, after);
    assert.deepEqual(changes, [
      { field: 'image', from: 'acme/shop:1', to: 'acme/shop:2' },
      { field: 'replicas', from: '1', to: '3' },
      { field: 'env ADDED', from: '(none)', to: '(set)' },
      { field: 'env CHANGED', from: '(set)', to: '(changed)' },
      { field: 'env GONE', from: '(set)', to: '(none)' },
      { field: 'label futuswarm.image', from: 'acme/shop:1', to: 'acme/shop:2' },
      { field: 'label futuswarm.release', from: '1', to: '2' },
    ]);
    assert.ok(!JSON.stringify(changes).includes('secret'), 'values must never appear');
  });

  it('a new app shows everything as added', () => {
    const spec = buildServiceSpec('shop', settings, { number: 1, image: 'acme/shop:1', env: {} }, cluster, timing);
    const changes = diffSpecs(undefined, spec);
    assert.deepEqual(changes[0], { field: 'image', from: '(none)', to: 'acme/shop:1' });
  });

  it('shows the apps it links to', () => {
    const spec = (links?: string[]) => buildServiceSpec('shop', { ...settings, ...(links ? { links } : {}) }, { number: 1, image: 'acme/shop:1', env: {} }, cluster, timing);
    assert.deepEqual(diffSpecs(spec(), spec(['catalog', 'search'])), [{ field: 'links', from: '(none)', to: 'catalog, search' }]);
    assert.deepEqual(diffSpecs(spec(['catalog']), spec()), [{ field: 'links', from: 'catalog', to: '(none)' }]);
  });

  it('no difference, no changes', () => {
    const spec = buildServiceSpec('shop', settings, { number: 1, image: 'acme/shop:1', env: { A: '1' } }, cluster, timing);
    assert.deepEqual(diffSpecs(spec, spec), []);
  });
});
