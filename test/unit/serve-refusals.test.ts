/**
 * serve() in-process, over a state bucket in memory: what a refused request answers and what
 * it leaves in the audit trail. Refusals happen before Docker is reached, so none is needed.
 */
import assert from 'node:assert/strict';
import { VERSION } from '../../src/version.ts';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { AppState } from '../../src/agent/app-state.ts';
import { serve } from '../../src/agent/serve.ts';
import { agentConfigSchema } from '../../src/config/agent-config.ts';
import { AUDIT_ARGS_MAX_BYTES } from '../../src/core/audit-summary.ts';
import type { KeyService } from '../../src/core/envelope.ts';
import type { AuditRecord } from '../../src/state/audit.ts';
import { MemoryStore } from '../helpers/memory-store.ts';

const config = agentConfigSchema.parse({
  cluster: 'test',
  domain: 'apps.example.com',
  state: { bucket: 'test-state', kmsKeyId: 'alias/test' },
  usersFile: '/nonexistent/futuswarm/users.yaml',
});
const noKeys: KeyService = {
  generateDataKey: () => Promise.reject(new Error('no KMS in this test')),
  decryptDataKey: () => Promise.reject(new Error('no KMS in this test')),
};

interface Served {
  code: number;
  events: { type: string; code?: string; message?: string }[];
  records: AuditRecord[];
  /** The size of each stored audit object. */
  sizes: number[];
}

async function serveAs(user: string, input: string, setup?: (state: AppState) => Promise<void>): Promise<Served> {
  const store = new MemoryStore();
  const state = new AppState({ store, keys: noKeys, cluster: 'test' });
  await setup?.(state);
  const lines: string[] = [];
  const code = await serve(user, async () => config, { input: Readable.from([input]), write: (line) => lines.push(line) }, { openState: async () => state });
  const audit = [...store.objects.entries()].filter(([key]) => key.startsWith('audit/'));
  return {
    code,
    events: lines.map((l) => JSON.parse(l) as Served['events'][number]),
    records: await state.audit.list(),
    sizes: audit.map(([, o]) => o.body.length),
  };
}

const request = (op: string, args: unknown): string => `${JSON.stringify({ v: 1, op, args })}\n`;
const aliceOwnsShop = async (state: AppState) => void (await state.owners.claim('shop', 'alice'));

describe('serve: refused requests', () => {
  it('a __proto__ key is refused with invalid_input, naming its path, and recorded without it', async () => {
    const r = await serveAs('bob', '{"v":1,"op":"app.lock","args":{"app":"shop","__proto__":{"message":"x"}}}\n');
    assert.equal(r.code, 1);
    assert.deepEqual(r.events.map((e) => [e.type, e.code, e.message]), [['error', 'invalid_input', 'bad request: args.__proto__: the key "__proto__" is not allowed']]);
    assert.equal(r.records.length, 1);
    const [record] = r.records;
    assert.deepEqual([record!.user, record!.op, record!.app, record!.code], ['bob', 'app.lock', 'shop', 'invalid_input']);
    assert.deepEqual(record!.args, { app: 'shop', '[__proto__]': { message: 'x' } });
  });

  it('a 3 MB request to an op the caller may not call leaves a record under the cap', async () => {
    const command = Array.from({ length: 48 }, () => 'y'.repeat(64 * 1024));
    const r = await serveAs('bob', request('app.run', { app: 'shop', command }), aliceOwnsShop);
    assert.deepEqual(r.events.map((e) => e.code), ['forbidden']);
    const [record] = r.records;
    assert.deepEqual([record!.op, record!.app, record!.code], ['app.run', 'shop', 'forbidden']);
    assert.ok(Buffer.byteLength(JSON.stringify(record!.args)) <= AUDIT_ARGS_MAX_BYTES);
    assert.ok(record!.argsBytes! > 3_000_000);
    assert.ok(r.sizes[0]! < AUDIT_ARGS_MAX_BYTES + 2000, `${r.sizes[0]} bytes stored`);
  });

  it('a request from a CLI of another version that this agent cannot take names both versions', async () => {
    const unknown = await serveAs('bob', `${JSON.stringify({ v: 1, op: 'app.teleport', args: {}, cli: '9.9.9' })}\n`);
    assert.deepEqual(unknown.events.map((e) => e.code), ['protocol']);
    assert.equal(unknown.events[0]!.message, `unknown op "app.teleport" (this CLI is version 9.9.9, the agent on this manager ${VERSION})`);
    assert.match((unknown.events[0] as { hint?: string }).hint ?? '', new RegExp(`install futuswarm ${VERSION.replace(/\./g, '\\.')}, or ask an admin to upgrade the agents to 9\\.9\\.9`));
    const newField = await serveAs('bob', `${JSON.stringify({ v: 1, op: 'app.lock', args: { app: 'shop', colour: 'red' }, cli: '9.9.9' })}\n`, aliceOwnsShop);
    assert.match(newField.events[0]!.message!, /args: .*colour.*\(this CLI is version 9\.9\.9, the agent on this manager /);
    // The same version: the refusal is the argument's own, nothing about versions.
    const same = await serveAs('bob', `${JSON.stringify({ v: 1, op: 'app.teleport', args: {}, cli: VERSION })}\n`);
    assert.equal(same.events[0]!.message, 'unknown op "app.teleport"');
  });

  it('invalid arguments are refused and recorded, with the path of the bad value', async () => {
    const r = await serveAs('bob', request('app.lock', { app: 'shop', message: '\x1b[2J' }));
    assert.deepEqual(r.events.map((e) => e.code), ['invalid_input']);
    assert.match(r.events[0]!.message!, /args\.message: must not contain control characters/);
    assert.deepEqual([r.records[0]?.op, r.records[0]?.code, r.records[0]?.args?.message], ['app.lock', 'invalid_input', '\x1b[2J']);
  });

  it('a destructive request without the name that confirms it is refused, the owner\'s too, and changes nothing', async () => {
    let state: AppState | undefined;
    for (const confirm of [{}, { confirm: 'blog' }]) {
      const r = await serveAs('alice', request('app.remove', { app: 'shop', purge: true, ...confirm }), async (s) => {
        state = s;
        await aliceOwnsShop(s);
      });
      assert.deepEqual(r.events.map((e) => e.code), ['invalid_input']);
      assert.match(r.events[0]!.message!, /^invalid arguments: args\.confirm: /);
      assert.deepEqual([r.records[0]?.op, r.records[0]?.code], ['app.remove', 'invalid_input']);
      assert.deepEqual((await state?.owners.get('shop'))?.owners, ['alice']);
    }
  });

  it('a request too large to read is recorded as unreadable', async () => {
    const r = await serveAs('bob', `{"v":1,"op":"app.lock","args":{"message":"${'z'.repeat(5 * 1024 * 1024)}`);
    assert.deepEqual(r.events.map((e) => [e.code, e.message]), [['protocol', 'the request is too large']]);
    assert.deepEqual(r.records.map((x) => [x.op, x.code, x.args]), [['unreadable', 'protocol', undefined]]);
  });

  it('an unknown op is recorded under its name, cut', async () => {
    const r = await serveAs('bob', request(`app.${'x'.repeat(10_000)}`, {}));
    assert.equal(r.events[0]?.code, 'protocol');
    assert.ok(r.events[0]!.message!.length < 200);
    assert.ok(r.records[0]!.op.startsWith('app.xxx') && r.records[0]!.op.length < 200);
  });

  it('a connection that asks nothing leaves no record', async () => {
    const r = await serveAs('bob', '');
    assert.deepEqual(r.events.map((e) => [e.code, e.message]), [['protocol', 'no request received']]);
    assert.deepEqual(r.records, []);
  });

  it('an allowed read is not recorded', async () => {
    const r = await serveAs('bob', request('app.lock.status', { app: 'shop' }), async (state) => {
      await state.locks.acquire('shop', { user: 'alice', op: 'app.lock', message: 'db migration' });
    });
    assert.deepEqual(r.events.map((e) => e.type), ['result']);
    assert.deepEqual(r.records, []);
  });
});
