import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_ARGS_MAX_BYTES, cutText, summarizeArgs } from '../../src/core/audit-summary.ts';
import { nestedDeeperThan, requestSubject, secretValues, UNREADABLE_OP } from '../../src/agent/audit-request.ts';
import { AuditLog } from '../../src/state/audit.ts';
import { MemoryStore } from '../helpers/memory-store.ts';

const MB = 1024 * 1024;
const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('cutText', () => {
  it('keeps short text and says how long cut text was', () => {
    assert.equal(cutText('shop', 10), 'shop');
    assert.equal(cutText('x'.repeat(3_000_000), 5), 'xxxxx… (3000000 characters)');
  });
});

describe('summarizeArgs', () => {
  it('keeps small arguments whole', () => {
    const args = { app: 'shop', replicas: 3, command: ['bin/migrate', '--step', '1'], health: { path: '/healthz' } };
    assert.deepEqual(summarizeArgs(args), { args });
  });

  it('cuts long strings, noting their length, and keeps every key', () => {
    const { args, bytes } = summarizeArgs({ app: 'shop', message: 'm'.repeat(5000), note: 'short' });
    assert.deepEqual(args, { app: 'shop', message: `${'m'.repeat(200)}… (5000 characters)`, note: 'short' });
    assert.equal(bytes, bytesOf({ app: 'shop', message: 'm'.repeat(5000), note: 'short' }));
  });

  it('counts long arrays', () => {
    const command = Array.from({ length: 48 }, () => 'a'.repeat(64 * 1024));
    const { args } = summarizeArgs({ app: 'shop', command });
    const kept = args.command as string[];
    assert.equal(kept.at(-1)?.endsWith('(48 items)'), true, kept.at(-1));
    assert.equal(kept.length < 48, true);
    assert.match(kept[0]!, /^a+… \(65536 characters\)$/);
  });

  it('counts objects with too many keys, cuts long key names and brackets reserved ones', () => {
    const values = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`KEY_${i}`, i]));
    const { args } = summarizeArgs({ values, ['k'.repeat(500)]: 1, ...JSON.parse('{"__proto__":{"constructor":1}}') });
    assert.match(String((args.values as Record<string, unknown>)['…']), /more keys \(5000 keys\)$/);
    assert.ok(Object.keys(args).some((k) => k.startsWith('kkkk') && k.endsWith('(500 characters)')));
    assert.deepEqual(Object.keys(args).filter((k) => k.includes('proto')), ['[__proto__]']);
    assert.deepEqual(args['[__proto__]'], { '[constructor]': 1 });
  });

  it('a small request with a reserved key is summarised too, so no record holds one', () => {
    const { args } = summarizeArgs(JSON.parse('{"app":"shop","prototype":1}'));
    assert.deepEqual(args, { app: 'shop', '[prototype]': 1 });
  });

  // Whatever comes in, the record's args stay under the cap.
  const nasty: { name: string; args: Record<string, unknown> }[] = [
    { name: '3 MB in one string', args: { app: 'shop', message: 'x'.repeat(3 * MB) } },
    { name: '3 MB of argv', args: { app: 'shop', command: Array.from({ length: 48 }, () => 'y'.repeat(64 * 1024)) } },
    { name: '100 000 tiny items', args: { command: Array.from({ length: 100_000 }, () => 'z') } },
    { name: '50 000 keys of long names', args: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`${'k'.repeat(200)}${i}`, 'v'])) },
    { name: 'wide and deep', args: { a: Array.from({ length: 50 }, () => ({ b: Array.from({ length: 50 }, () => ({ c: { d: { e: { f: { g: 'h'.repeat(300) } } } } })) })) } },
    { name: 'multi-byte text', args: { message: '✓'.repeat(100_000), other: '😀'.repeat(100_000) } },
    { name: 'control characters (escaped in JSON, so larger)', args: { message: '\u0001'.repeat(100_000) } },
    { name: 'many keys nested in many keys', args: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`key${i}`, Object.fromEntries(Array.from({ length: 100 }, (_, j) => [`k${j}`, 'v'.repeat(50)]))])) },
  ];
  for (const n of nasty) {
    it(`stays under ${AUDIT_ARGS_MAX_BYTES} bytes: ${n.name}`, () => {
      const { args, bytes } = summarizeArgs(n.args);
      assert.ok(bytesOf(args) <= AUDIT_ARGS_MAX_BYTES, `${bytesOf(args)} bytes`);
      assert.equal(bytes, bytesOf(n.args));
    });
  }
});

describe('what a refused request names', () => {
  const cases: { name: string; raw: unknown; subject: unknown }[] = [
    { name: 'a well-formed request', raw: { v: 1, op: 'app.run', args: { app: 'shop', command: ['ls'] } }, subject: { op: 'app.run', app: 'shop', args: { app: 'shop', command: ['ls'] } } },
    { name: 'a bad app name is not named as the app', raw: { v: 1, op: 'app.lock', args: { app: 'Bad App' } }, subject: { op: 'app.lock', args: { app: 'Bad App' } } },
    { name: 'args that are not an object', raw: { v: 1, op: 'app.lock', args: 'x' }, subject: { op: 'app.lock' } },
    { name: 'no op', raw: [1, 2], subject: { op: UNREADABLE_OP } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(requestSubject(c.raw), c.subject));

  it('arguments nested absurdly deep are not kept', () => {
    const deep = JSON.parse(`{"v":1,"op":"app.lock","args":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`) as unknown;
    assert.deepEqual(requestSubject(deep).args, { '…': 'nested more than 32 levels deep; not kept' });
    assert.equal(nestedDeeperThan({ a: { b: [{ c: 1 }] } }, 4), false);
    assert.equal(nestedDeeperThan({ a: { b: [{ c: 1 }] } }, 3), true);
    assert.equal(nestedDeeperThan('text', 0), false);
  });

  it('secret values are found under secret-named arguments only', () => {
    assert.deepEqual(secretValues({ app: 'shop', values: { A: 'alpha-value', B: 'b' }, message: 'not-secret' }), ['alpha-value']);
  });
});

describe('AuditLog.append keeps records bounded, and secret values out', () => {
  const SECRET = 'sk_live_do-not-store-me';

  it('a 3 MB refused request leaves a record of a few kilobytes', async () => {
    const store = new MemoryStore();
    const log = new AuditLog(store, () => new Date('2025-01-01T00:00:00Z'));
    const command = Array.from({ length: 48 }, () => 'y'.repeat(64 * 1024));
    await log.append({ user: 'bob', op: `app.run${'!'.repeat(5000)}`, app: 'shop', args: { app: 'shop', command }, result: 'error', code: 'forbidden', message: 'm'.repeat(3 * MB) });
    const [object] = [...store.objects.values()];
    assert.ok(object!.body.length < AUDIT_ARGS_MAX_BYTES + 2000, `${object!.body.length} bytes`);
    const [record] = await log.list();
    assert.equal(record!.argsBytes, bytesOf({ app: 'shop', command }));
    assert.equal(record!.op.length < 200, true);
    assert.equal(record!.message!.length < 1100, true);
  });

  for (const extra of [0, 3000]) {
    it(`secret values stay out of a summary, by name and wherever else they appear (${extra + 1} values)`, async () => {
      const store = new MemoryStore();
      const log = new AuditLog(store);
      const values = { STRIPE_KEY: SECRET, ...Object.fromEntries(Array.from({ length: extra }, (_, i) => [`K${i}`, `value-number-${i}`])) };
      const args = { app: 'shop', values, note: `pasted ${SECRET} by mistake ${'x'.repeat(5000)}`, command: ['kept'] };
      await log.append({ user: 'alice', op: 'app.secrets.set', app: 'shop', args, scrub: secretValues(args), result: 'error', message: `bad: ${SECRET}` });
      const text = [...store.objects.values()].map((o) => o.body.toString('utf8')).join('\n');
      assert.equal(text.includes('sk_live'), false, 'not even a prefix of it');
      assert.equal(text.includes('value-number-'), false);
      const [record] = await log.list();
      assert.equal(record!.args!.note, '[redacted]');
      // Past the search budget every string is replaced, the key names too.
      assert.deepEqual((record!.args!.values as string[]).slice(0, 2), extra ? ['[redacted]', '[redacted]'] : ['STRIPE_KEY']);
      assert.deepEqual(record!.args!.command, extra ? ['[redacted]'] : ['kept']);
    });
  }

  it('records written before summaries are summarised as they are read', async () => {
    const store = new MemoryStore();
    const key = 'audit/2024/01/01/000000.000Z-0a0b0c0d.json';
    const old = { v: 1, id: key.slice(6, -5), time: '2024-01-01T00:00:00.000Z', user: 'bob', op: 'app.run', args: { command: ['z'.repeat(MB)] }, result: 'error' };
    await store.put(key, JSON.stringify(old), { ifNoneMatch: '*' });
    const [record] = await new AuditLog(store).list();
    assert.ok(bytesOf(record!.args) <= AUDIT_ARGS_MAX_BYTES);
    assert.equal(record!.argsBytes, bytesOf(old.args));
  });
});
