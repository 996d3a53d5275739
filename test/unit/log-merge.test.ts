/** app:logs merges the lines of all tasks by the time Docker recorded, as data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logTimeKey, mergeByTime } from '../../src/core/log-merge.ts';

describe('lines of all tasks merged by time', () => {
  it('Docker\'s trimmed fractions compare as numbers', () => {
    assert.deepEqual(logTimeKey('2026-12-04T12:00:00.12Z'), [Date.parse('2026-12-04T12:00:00.120Z'), 0]);
    assert.deepEqual(logTimeKey('2026-12-04T12:00:00.123456789Z'), [Date.parse('2026-12-04T12:00:00.123Z'), 456789]);
    assert.deepEqual(logTimeKey('2026-12-04T12:00:00Z'), [Date.parse('2026-12-04T12:00:00Z'), 0]);
    assert.deepEqual(logTimeKey('2026-12-04T14:00:00.5+02:00'), [Date.parse('2026-12-04T12:00:00.500Z'), 0]);
  });

  it('sorts task by task output into one timeline; equal or missing times keep their order, last', () => {
    const lines = [
      { source: 'a', time: '2026-12-04T12:00:00.12Z' },
      { source: 'a', time: '2026-12-04T12:00:02Z' },
      { source: 'x', time: undefined },
      { source: 'b', time: '2026-12-04T12:00:00.119999Z' },
      { source: 'b', time: '2026-12-04T12:00:02Z' },
      { source: 'b', time: '2026-12-04T12:00:01.000000001Z' },
    ];
    assert.deepEqual(mergeByTime(lines).map((l) => `${l.source}@${l.time ?? '-'}`), [
      'b@2026-12-04T12:00:00.119999Z',
      'a@2026-12-04T12:00:00.12Z',
      'b@2026-12-04T12:00:01.000000001Z',
      'a@2026-12-04T12:00:02Z',
      'b@2026-12-04T12:00:02Z',
      'x@-',
    ]);
  });
});
