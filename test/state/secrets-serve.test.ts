/**
 * app.secrets.export and concurrent app.secrets.set through the agent's serve(), in process,
 * over moto: validate → ACL → lock → act → audit, as sshd's forced command runs them. Docker
 * is only asked whether the (unique, never deployed) app has a service.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { ensureKeyAlias } from '../../src/aws/kms.ts';
import { ensureStateBucket } from '../../src/aws/state-store.ts';
import { agentConfigSchema, type AgentConfig } from '../../src/config/agent-config.ts';
import { openState } from '../../src/agent/open-state.ts';
import { serve } from '../../src/agent/serve.ts';
import { eventSchema, type Event } from '../../src/protocol.ts';
import { checkResult } from '../../src/results/index.ts';
import { uniqueName, useMoto } from '../helpers/moto.ts';

/** One request as the agent serves it: every event it sent, and its exit code. */
async function request(config: AgentConfig, user: string, op: string, args: Record<string, unknown>, lockWaitSeconds?: number): Promise<{ code: number; events: Event[] }> {
  const line = JSON.stringify({ v: 1, op, args, ...(lockWaitSeconds ? { lockWaitSeconds } : {}) });
  const events: Event[] = [];
  const code = await serve(user, async () => config, {
    input: Readable.from([`${line}\n`]),
    write: (text) => events.push(eventSchema.parse(JSON.parse(text))),
  });
  return { code, events };
}
const resultOf = (r: { events: Event[] }): unknown => r.events.find((e) => e.type === 'result')?.data;
const errorOf = (r: { events: Event[] }) => r.events.find((e) => e.type === 'error');

describe('secrets ops through serve() (moto)', () => {
  let config: AgentConfig;
  const app = uniqueName('serve');
  const VALUE = `exported-${uniqueName('v')}`;

  before(async () => {
    useMoto();
    const alias = `alias/${uniqueName('fs-serve')}`;
    const key = await ensureKeyAlias(alias);
    const bucket = uniqueName('fs-serve');
    await ensureStateBucket(bucket, { kmsKeyId: key.arn });
    const usersFile = join(mkdtempSync(join(tmpdir(), 'futuswarm-users-')), 'users.yaml');
    writeFileSync(usersFile, 'users:\n  alice: {}\n  bob: {}\n  carol: {}\n');
    config = agentConfigSchema.parse({ cluster: uniqueName('c'), domain: 'apps.example.test', state: { bucket, kmsKeyId: alias }, admins: ['carol'], usersFile });
    const state = await openState(config);
    await state.owners.claim(app, 'alice');
    await state.apps.create(app, 'alice');
  });

  it('export: the owner and an admin get every value; anyone else is refused; all audited without values', async () => {
    const set = await request(config, 'alice', 'app.secrets.set', { app, values: { TOKEN: VALUE, EMPTY: '' }, restart: false });
    assert.equal(set.code, 0, JSON.stringify(errorOf(set)));
    for (const user of ['alice', 'carol']) {
      const r = await request(config, user, 'app.secrets.export', { app });
      assert.equal(r.code, 0, JSON.stringify(errorOf(r)));
      const result = checkResult('app.secrets.export', resultOf(r));
      assert.deepEqual([result.app, result.values], [app, { EMPTY: '', TOKEN: VALUE }]);
      assert.equal(typeof result.version, 'string');
    }
    const bob = await request(config, 'bob', 'app.secrets.export', { app });
    assert.equal(bob.code, 1);
    assert.equal(errorOf(bob)?.code, 'forbidden');
    const bad = await request(config, 'alice', 'app.secrets.export', { app, format: 'env' });
    assert.match(errorOf(bad)?.message ?? '', /invalid arguments/);

    const records = await (await openState(config)).audit.list({ app, op: 'app.secrets.export' });
    // Refusals are recorded too: bob's, and alice's request with an argument export does not take.
    assert.deepEqual(records.map((x) => [x.user, x.result]).sort(), [['alice', 'error'], ['alice', 'ok'], ['bob', 'error'], ['carol', 'ok']]);
    const all = JSON.stringify(await (await openState(config)).audit.list({ app }));
    assert.ok(!all.includes(VALUE), 'a secret value is in the audit trail');
  });

  it('20 concurrent sets with lockWaitSeconds: all stored, each its own version, the waiters told whom they wait for', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(config, 'alice', 'app.secrets.set', { app, values: { [`K_${i}`]: `v_${i}` }, restart: false }, 60)),
    );
    results.forEach((r, i) => assert.equal(r.code, 0, `writer ${i}: ${JSON.stringify(errorOf(r))}`));
    const versions = new Set(results.map((r) => checkResult('app.secrets.set', resultOf(r)).version));
    assert.equal(versions.size, 20);
    // A waiter says once that it waits, however often it tries.
    const waitsOf = (r: { events: Event[] }) => r.events.filter((e) => e.type === 'progress' && e.step === 'lock');
    assert.ok(results.every((r) => waitsOf(r).length <= 1));
    const waiting = results.flatMap(waitsOf);
    assert.ok(waiting.length >= 1);
    for (const e of waiting) assert.match((e as { message: string }).message, new RegExp(`^waiting up to 60s for the lock of ${app}: alice holds it \\(a running app:secrets set\\)$`));
    const { values } = await (await openState(config)).secrets.read(app);
    for (let i = 0; i < 20; i++) assert.equal(values[`K_${i}`], `v_${i}`);
  });

  it('without a lock wait the others are refused `locked`, naming the holder, and store nothing', async () => {
    const earlier = Object.keys((await (await openState(config)).secrets.read(app)).values).length;
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => request(config, 'alice', 'app.secrets.set', { app, values: { [`L_${i}`]: 'x' }, restart: false })));
    const stored = results.filter((r) => r.code === 0).length;
    assert.ok(stored >= 1);
    for (const r of results.filter((x) => x.code !== 0)) assert.match(`${errorOf(r)?.code}: ${errorOf(r)?.message}`, new RegExp(`^locked: ${app} is locked by alice`));
    assert.equal(Object.keys((await (await openState(config)).secrets.read(app)).values).length, earlier + stored);
  });
});
