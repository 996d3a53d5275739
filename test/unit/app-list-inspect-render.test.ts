/** What app:list and app:inspect print, from results given as data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderAppList } from '../../src/cli/commands/app-list.ts';
import { describeLimits, renderInspect, settingsFields } from '../../src/cli/commands/app-inspect.ts';
import { inspectForOthers } from '../../src/agent/owners-only.ts';
import type { InspectResult } from '../../src/results/app.ts';
import { health, inspected } from '../helpers/inspect-result.ts';

const now = Date.parse('2026-12-04T12:00:00.000Z');
const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

describe('app:list', () => {
  it('when each app last changed, relative to now', () => {
    const lines = renderAppList(
      {
        apps: [
          { app: 'shop', release: 3, image: 'nginx:1.27', running: 1, desired: 2, url: 'https://shop.apps.example.com', updatedAt: ago(3), deployed: true },
          { app: 'draft', release: 0, image: '', running: 0, desired: 0, url: 'https://draft.apps.example.com', updatedAt: ago(60 * 50), deployed: false },
        ],
      },
      now,
    ).split('\n');
    assert.deepEqual(lines, [
      'APP    RELEASE  IMAGE                    TASKS  UPDATED  URL',
      'shop   3        nginx:1.27               1/2    3m ago   https://shop.apps.example.com',
      'draft  -        (created, not deployed)  -      2d ago   https://draft.apps.example.com',
    ]);
  });
  it('says how to start when there are no apps', () => assert.match(renderAppList({ apps: [] }, now), /^No apps yet/));
});

describe('app:inspect', () => {
  const r: InspectResult = {
    ...inspected,
    settings: { ...inspected.settings!, port: 8080, limits: { cpus: 0.5, memoryMb: 256 }, domains: ['shop.example.com'], health: { ...health, timeoutSeconds: 3, retries: 4, startPeriodSeconds: 5 } },
    placement: { constraints: ['zone!=c'], spread: ['zone'], workersOnly: false },
    domains: ['shop.apps.example.com', 'shop.example.com'],
    routes: { proxy: 'unavailable', reason: 'the proxy did not answer', routes: [], servers: [] },
    createdAt: ago(60 * 24 * 3),
    updatedAt: ago(10),
  };

  it('the settings as fields, one a line, and no settings label (its JSON is what the fields show)', () => {
    const text = renderInspect(r, 0, now);
    const head = text.split('\n\n')[0]!.split('\n');
    assert.deepEqual(head, [
      'app:            shop',
      'release:        3',
      'image:          localhost/shop:3',
      'replicas:       1/1 running',
      'url:            https://shop.apps.example.com',
      'domains:        shop.apps.example.com',
      '                shop.example.com',
      'port:           8080',
      'internal:       no',
      'limits:         0.5 CPUs, 256 MB memory',
      'links:          (none)',
      'linked from:    (none)',
      'health path:    GET /healthz',
      'health command: pg_isready -U app --password=hunter2',
      'health timing:  every 2s, timeout 3s, 4 retries, start period 5s',
      'constraints:    zone!=c',
      'spread:         zone',
      'managers:       allowed',
      'created:        3d ago',
      'updated:        10m ago',
    ]);
    assert.equal(text.includes('futuswarm.settings'), false);
    assert.equal(text.includes('"port"'), false);
    assert.match(text, /^ {2}futuswarm\.spec-hash=fedcba9876543210$/m);
    assert.match(text, /^ {2}unknown: the proxy did not answer$/m);
  });

  it('for everyone else: the health command and the other labels are "(owners only)"', () => {
    const text = renderInspect(inspectForOthers(r), 0, now);
    assert.match(text, /^health command: \(owners only\)$/m);
    assert.equal(text.includes('hunter2'), false);
    assert.equal(text.includes('spec-hash'), false);
    assert.match(text, /^ {2}\(the others: \(owners only\)\)$/m);
  });

  it('an internal app, no limits, no health check, settings unknown', () => {
    const fields = (s: InspectResult['settings']) => Object.fromEntries(settingsFields({ ...r, settings: s }));
    const internal = fields({ port: 80, replicas: 1, domains: [], internal: true });
    assert.equal(internal.internal, 'yes: no route through the proxy, reachable inside the cluster only');
    assert.equal(internal.limits, '(none)');
    assert.equal(internal.health, '(none)');
    assert.match(fields(undefined).settings!, /^\(unknown/);
  });
});

describe('limits in app:inspect', () => {
  it('says which limits come from the cluster default', () => {
    assert.equal(describeLimits(undefined, {}), '(none)');
    assert.equal(describeLimits(undefined, undefined), '(none)');
    assert.equal(describeLimits({ cpus: 0.5, memoryMb: 256 }, { cpus: 0.5, memoryMb: 256 }), '0.5 CPUs, 256 MB memory');
    assert.equal(describeLimits({ memoryMb: 128 }, { cpus: 1, memoryMb: 128 }), '1 CPUs (cluster default), 128 MB memory');
    assert.equal(describeLimits(undefined, { cpus: 0.5, memoryMb: 300 }), '0.5 CPUs (cluster default), 300 MB memory (cluster default)');
  });
});
