import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { lazySchema, lazySchemas, once } from '../../src/core/lazy-schemas.ts';
import { appName } from '../../src/core/names.ts';
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

describe('lazySchema', () => {
  it('builds nothing until first used, then once', () => {
    let builds = 0;
    const name = lazySchema(() => (builds++, z.string().min(2, 'too short')));
    const wrapper = z.strictObject({ name: name.optional(), tags: z.array(name) });
    assert.equal(builds, 1, 'composing it (name.optional()) is its first use');
    assert.deepEqual(wrapper.parse({ tags: ['ab'] }), { tags: ['ab'] });
    assert.equal(name.parse('abc'), 'abc');
    assert.equal(builds, 1);
  });

  it('composes like the schema: parse errors name the path, instanceof and safeParse work', () => {
    let builds = 0;
    const port = lazySchema(() => (builds++, z.number().int().min(1).max(65535)));
    const settings = z.strictObject({ port });
    assert.equal(builds, 0, 'used as a property of an object schema, it is not built yet');
    const bad = settings.safeParse({ port: 0 });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues.map((i) => i.path), [['port']]);
    assert.equal(builds, 1);
    assert.ok(port instanceof z.ZodNumber);
    assert.equal(port.safeParse(8080).success, true);
    assert.equal(z.toJSONSchema(settings).properties?.port !== undefined, true);
  });

  it('the shared names refuse bad input with their own messages', () => {
    const r = appName.safeParse('Shop');
    assert.equal(r.success, false);
    assert.match(r.error!.issues[0]!.message, /DNS label/);
    assert.match(appName.safeParse('futuswarm-x').error!.issues[0]!.message, /reserved/);
    assert.equal(appName.parse('shop'), 'shop');
  });
});
