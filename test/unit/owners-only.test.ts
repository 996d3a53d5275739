import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectForOthers, releasesForOthers } from '../../src/agent/owners-only.ts';
import { inspectResultSchema, releasesResultSchema, type InspectResult, type ReleasesResult } from '../../src/results/app.ts';
import { healthFields, renderPendingSecrets } from '../../src/cli/commands/app-inspect.ts';
import { renderReleases } from '../../src/cli/commands/app-releases.ts';
import { health, inspected } from '../helpers/inspect-result.ts';

const releases: ReleasesResult = {
  app: 'shop',
  live: 3,
  releases: [
    {
      n: 4, live: false, image: 'localhost/shop:4', imageId: null, secretsVersion: 'v3', user: 'alice', time: '2025-01-04T00:00:00Z', note: null, rollbackOf: null,
      status: 'failed', failure: 'the health check (`pg_isready -U app --password=hunter2`) failed on task x',
    },
    { n: 3, live: true, image: 'localhost/shop:3', imageId: null, secretsVersion: 'v3', user: 'alice', time: '2025-01-03T00:00:00Z', note: 'secrets STRIPE_KEY, DATABASE_URL', rollbackOf: null, status: 'deployed', failure: null },
    { n: 2, live: false, image: 'localhost/shop:2', imageId: null, secretsVersion: 'v2', user: 'alice', time: '2025-01-02T00:00:00Z', note: null, rollbackOf: null, status: 'deployed', failure: null },
  ],
};

describe('what people who are not owners see of an app', () => {
  it('app:inspect: no health command, only the app, release and image labels', () => {
    const seen = inspectForOthers(inspected);
    const { cmd: _cmd, ...publicHealth } = health;
    assert.deepEqual(seen, {
      ...inspected,
      settings: { ...inspected.settings, health: publicHealth },
      labels: { 'futuswarm.app': 'shop', 'futuswarm.release': '3', 'futuswarm.image': 'localhost/shop:3' },
      ownersOnly: ['health.cmd', 'labels'],
    });
    assert.equal(JSON.stringify(seen).includes('hunter2'), false);
    assert.equal(inspectResultSchema.safeParse(seen).success, true, 'the result schema allows it');
  });

  it('app:inspect: names only what it left out', () => {
    const noCmd = { ...inspected, settings: { ...inspected.settings!, health: { ...health, cmd: undefined } } };
    assert.deepEqual(inspectForOthers(noCmd).ownersOnly, ['labels']);
    const plain = { ...inspected, settings: undefined, labels: { 'futuswarm.app': 'shop' } };
    assert.deepEqual(inspectForOthers(plain), plain);
  });

  it('app:inspect: that secrets wait for a deploy is for everyone, which ones for the owners', () => {
    const pending: InspectResult = { ...inspected, pendingSecrets: { version: 'v5', running: 'v3', set: ['STRIPE_KEY'], unset: ['OLD_TOKEN'] } };
    const seen = inspectForOthers(pending);
    assert.deepEqual(seen.pendingSecrets, { version: 'v5', running: 'v3' });
    assert.deepEqual(seen.ownersOnly, ['health.cmd', 'labels', 'pendingSecrets.keys']);
    assert.equal(JSON.stringify(seen).includes('STRIPE_KEY'), false);
    assert.equal(inspectResultSchema.safeParse(seen).success, true);
    const stored = 'secrets are stored that the tasks do not run; the next app:deploy applies them';
    assert.deepEqual(renderPendingSecrets(pending), [stored, 'STRIPE_KEY set; OLD_TOKEN unset', 'stored version:  v5', 'running version: v3']);
    assert.deepEqual(renderPendingSecrets(seen), [stored, 'keys: (owners only)', 'stored version:  v5', 'running version: v3']);
    assert.equal(renderPendingSecrets({ ...inspected, pendingSecrets: null }), undefined);
    assert.deepEqual(inspectForOthers({ ...inspected, pendingSecrets: null }).pendingSecrets, null);
  });

  it('app:releases: notes (which name secret keys) and failures (which quote the health check) left out; "none" stays null', () => {
    const seen = releasesForOthers(releases);
    assert.deepEqual(seen.releases.map((r) => ('note' in r ? r.note : 'absent')), [null, 'absent', null]);
    assert.deepEqual(seen.releases.map((r) => ('failure' in r ? r.failure : 'absent')), ['absent', null, null]);
    assert.deepEqual(seen.releases.map((r) => r.status), ['failed', 'deployed', 'deployed'], 'that it failed is for everyone');
    assert.deepEqual(seen.ownersOnly, ['note', 'failure']);
    assert.equal(JSON.stringify(seen).includes('STRIPE_KEY'), false);
    assert.equal(JSON.stringify(seen).includes('hunter2'), false);
    assert.equal(releasesResultSchema.safeParse(seen).success, true);
    const plain = { ...releases, releases: releases.releases.map((r) => ({ ...r, note: null, failure: null })) };
    assert.deepEqual(releasesForOthers(plain), plain);
  });

  it('the CLI shows "(owners only)" where something was left out', () => {
    const timing = ['health timing', 'every 2s, timeout 2s, 3 retries, start period 0s'];
    assert.deepEqual(healthFields(inspected), [['health path', 'GET /healthz'], ['health command', 'pg_isready -U app --password=hunter2'], timing]);
    assert.deepEqual(healthFields(inspectForOthers(inspected)), [['health path', 'GET /healthz'], ['health command', '(owners only)'], timing]);
    assert.deepEqual(healthFields({ settings: undefined }), [['health', '(none)']]);
    const table = renderReleases(JSON.parse(JSON.stringify(releasesForOthers(releases))) as ReleasesResult, Date.parse('2025-01-05T00:00:00Z')).split('\n');
    assert.match(table[1]!, /^\s+4\s+failed\s+localhost\/shop:4\s.*alice\s+1d ago$/);
    assert.match(table[2]!, /^\*\s+3\s+deployed\s.*alice\s+2d ago\s+\(owners only\)$/);
    assert.match(table[3]!, /alice\s+3d ago$/);
    assert.deepEqual(table.slice(4), ['', 'release 4 failed: (owners only)']);
    assert.equal(renderReleases(releases, Date.now(), true).split('\n').at(-1), 'older releases left out; use --limit to see them');
    assert.equal(renderReleases(releases, Date.now()).split('\n').at(-1), 'release 4 failed: the health check (`pg_isready -U app --password=hunter2`) failed on task x');
  });
});
