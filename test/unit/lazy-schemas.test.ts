import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { lazySchemas, once } from '../../src/core/lazy-schemas.ts';
import { isOp, OP_ARGS, OPS } from '../../src/protocol.ts';

describe('lazySchemas', () => {
  it('builds a schema when it is first read, once', () => {
    const built: string[] = [];
    const schemas = lazySchemas({
      a: () => (built.push('a'), z.string()),
      b: () => (built.push('b'), z.number()),
    });
    assert.deepEqual(Object.keys(schemas), ['a', 'b']);
    assert.deepEqual(built, []);
    assert.equal(schemas.a, schemas.a);
    assert.equal(schemas.a.parse('x'), 'x');
    assert.deepEqual(built, ['a']);
  });

  it('once builds a shared schema the first time it is asked for', () => {
    let builds = 0;
    const shared = once(() => (builds++, z.boolean()));
    assert.equal(builds, 0);
    assert.equal(shared(), shared());
    assert.equal(builds, 1);
  });

  it('leaves OP_ARGS with every op, each a schema', () => {
    assert.ok(OPS.length > 40);
    for (const op of OPS) {
      assert.ok(isOp(op));
      assert.ok(OP_ARGS[op] instanceof z.ZodType, op);
    }
    assert.equal(isOp('toString'), false);
  });
});
