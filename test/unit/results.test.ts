/** Every op has a result schema, and an answer that drifts from it is caught. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { OPS } from '../../src/protocol.ts';
import { checkResult, OP_RESULTS } from '../../src/results/index.ts';

describe('result schemas', () => {
  it('cover every op, each with a real schema (no placeholder)', () => {
    assert.deepEqual(Object.keys(OP_RESULTS).sort(), [...OPS].sort());
    for (const op of OPS) assert.ok(!(OP_RESULTS[op] instanceof z.ZodUnknown) && !(OP_RESULTS[op] instanceof z.ZodAny), `${op} has no result schema`);
  });

  it('accept a real answer, and refuse a missing field, a wrong type and an unknown key, naming the path', () => {
    const answer = { app: 'shop', locked: true, lock: { user: 'alice', op: 'app.lock', message: null, since: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T01:00:00.000Z', expired: false } };
    assert.deepEqual(checkResult('app.lock', JSON.parse(JSON.stringify(answer))), answer);
    assert.throws(() => checkResult('app.lock', { ...answer, locked: undefined }), /app\.lock does not match its schema: locked/);
    assert.throws(() => checkResult('app.lock', { ...answer, lock: { ...answer.lock, user: 42 } }), /lock\.user/);
    assert.throws(() => checkResult('app.lock', { ...answer, surprise: 1 }), /surprise/);
  });
});
