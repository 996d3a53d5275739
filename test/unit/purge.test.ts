import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeAppData } from '../../src/agent/app-data.ts';
import { renderRemove } from '../../src/cli/commands/app-remove.ts';
import { removeResultSchema, type RemoveResult } from '../../src/results/app.ts';

const base: RemoveResult = { app: 'shop', removed: true, purged: true, ownersRemoved: true, database: null, cache: null };

describe('what a purge finds, as its progress line says it', () => {
  it('names the database, the cache, or that there is neither', () => {
    assert.equal(describeAppData('shop', { database: null, cache: null }), 'shop has no database and no cache');
    assert.equal(
      describeAppData('shop', { database: { kind: 'shared', name: 'app_shop' }, cache: { id: 'fs-prod-shop', exists: true, token: '' } }),
      'shop has its database app_shop and role on the shared instance and its cache fs-prod-shop: they go with it',
    );
    assert.equal(
      describeAppData('shop', { database: { kind: 'dedicated', name: 'fs-prod-db-shop' }, cache: null }),
      'shop has its database instance fs-prod-db-shop (deleted after a final snapshot): they go with it',
    );
  });
});

describe('app:remove output', () => {
  it('without --purge says what stays', () => {
    assert.equal(renderRemove({ ...base, purged: false, ownersRemoved: false }), 'removed shop; its secrets, releases, owners, database and cache are kept (--purge deletes them)');
  });

  it('a name that was never deployed gives its owners back', () => {
    assert.equal(renderRemove({ ...base, removed: false, purged: false }), 'shop was never deployed; its owners are removed and the name is free');
  });

  it('a purge names the database and the cache it deleted, and a dedicated instance\'s snapshot', () => {
    assert.equal(
      renderRemove({ ...base, database: { kind: 'shared', name: 'app_shop', snapshot: null }, cache: 'fs-prod-shop' }),
      'removed shop and deleted its secrets, releases, settings, owners and images\ndropped its database app_shop and its role from the shared instance\ndeleted its cache fs-prod-shop',
    );
    assert.equal(
      renderRemove({ ...base, removed: false, database: { kind: 'dedicated', name: 'fs-prod-db-shop', snapshot: 'fs-prod-db-shop-final-20250101000000' } }),
      'deleted shop: its secrets, releases, settings, owners and images\ndeleted its database instance fs-prod-db-shop; final snapshot fs-prod-db-shop-final-20250101000000',
    );
  });

  it('the result says null for what the app did not have', () => {
    assert.equal(removeResultSchema.safeParse(base).success, true);
    assert.equal(removeResultSchema.safeParse({ ...base, database: undefined }).success, false);
  });
});
