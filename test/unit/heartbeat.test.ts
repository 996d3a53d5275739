import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { formatElapsed, heartbeat } from '../../src/heartbeat.ts';

describe('heartbeat: a long step is never silent', () => {
  it('repeats the last step with the time so far after a quiet stretch, and only then', async () => {
    let clock = 0;
    const said: string[] = [];
    const beat = heartbeat((step, message) => said.push(`${step}: ${message}`), { quietMs: 30_000, checkMs: 5, now: () => clock });
    await sleep(20);
    assert.deepEqual(said, [], 'nothing to repeat before the first step');
    beat.progress('cache', 'creating cache c-shop (this takes several minutes)');
    clock = 29_000;
    await sleep(20);
    assert.equal(said.length, 1);
    clock = 31_000;
    await sleep(20);
    clock = 62_000;
    await sleep(20);
    beat.progress('cache', 'logging in');
    clock = 80_000;
    await sleep(20);
    beat.stop();
    clock = 200_000;
    await sleep(20);
    assert.deepEqual(said, [
      'cache: creating cache c-shop (this takes several minutes)',
      'cache: creating cache c-shop (this takes several minutes) (31s so far)',
      'cache: creating cache c-shop (this takes several minutes) (1m02s so far)',
      'cache: logging in',
    ]);
  });

  it('formats elapsed time', () => {
    assert.deepEqual([0, 999, 45_000, 150_000, 3_600_000 + 5 * 60_000].map(formatElapsed), ['0s', '0s', '45s', '2m30s', '1h05m']);
  });
});
