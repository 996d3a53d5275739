/** --since for admin audit and app:logs: a while or a moment, as data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSince, sinceSeconds } from '../../src/cli/since.ts';
import { isFutuswarmError } from '../../src/core/errors.ts';

const now = Date.parse('2026-12-04T12:00:00.000Z');
const invalid = (e: unknown) => isFutuswarmError(e) && e.code === 'invalid_input' && e.message.startsWith('--since: ');

describe('--since', () => {
  const seconds: [string, number][] = [['90', 90], ['30s', 30], ['10m', 600], ['2h', 7200], ['7d', 604800], ['2w', 1209600], ['2026-12-04T11:50:00Z', 600], ['2026-12-04T13:00:00+02:00', 3600], ['2026-12-04', 43200]];
  for (const [value, n] of seconds) it(`${value} → ${n} s before now`, () => assert.equal(sinceSeconds(value, now), n));
  it('a moment stays a moment for the audit', () => assert.deepEqual(parseSince('2025-01-31'), { since: '2025-01-31T00:00:00.000Z' }));
  for (const value of ['soon', '10 m', '-5m', '1y', '2099-13-45', '31.01.2025', '']) it(`refuses "${value}"`, () => assert.throws(() => parseSince(value), invalid));
  it('refuses a moment to come', () => assert.throws(() => sinceSeconds('2026-12-04T12:30:00Z', now), invalid));
});
