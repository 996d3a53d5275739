/** Times in tables, relative to now, as data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relativeTime } from '../../src/core/relative-time.ts';

const now = Date.parse('2026-12-04T12:00:00.000Z');

describe('relativeTime', () => {
  const cases: [string, string][] = [
    ['2026-12-04T12:00:00.000Z', 'just now'],
    ['2026-12-04T12:05:00.000Z', 'just now'],
    ['2026-12-04T11:59:51Z', 'just now'],
    ['2026-12-04T11:59:45Z', '15s ago'],
    ['2026-12-04T11:59:00Z', '1m ago'],
    ['2026-12-04T11:57:00.123Z', '2m ago'],
    ['2026-12-04T11:00:01Z', '59m ago'],
    ['2026-12-04T11:00:00Z', '1h ago'],
    ['2026-12-03T12:00:01Z', '23h ago'],
    ['2026-12-03T12:00:00Z', '1d ago'],
    ['2026-11-29T12:00:00Z', '5d ago'],
    ['2025-12-05T12:00:00Z', '364d ago'],
    ['2025-12-04T12:00:00Z', '2025-12-04'],
    ['not a time', 'not a time'],
  ];
  for (const [iso, shown] of cases) it(`${iso} → ${shown}`, () => assert.equal(relativeTime(iso, now), shown));
});
