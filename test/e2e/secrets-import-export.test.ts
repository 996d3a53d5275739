/**
 * app:secrets import and export end to end, and many writers at once: a dotenv file with
 * awkward values goes in as one version and comes back out identically; a bad file changes
 * nothing and shows no value; only owners and admins may export; 20 concurrent `set`s with
 * --lock-wait are all stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDotenv } from '../../src/core/dotenv.ts';
import { localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { ensureLdap } from '../helpers/ldap.ts';
import { removeApps } from '../helpers/cleanup.ts';

const run = Date.now().toString(36);
const APP = `e2e-dotenv-${run}`;
const COPY = `e2e-dotenv-copy-${run}`;
const BOB_KEY = join(process.env.XDG_CONFIG_HOME || join(process.env.HOME ?? '', '.config'), 'futuswarm', 'ldap-users', 'bob', 'id_ed25519');

/** Each value carries the run's marker, so a leak anywhere is found by a plain search. */
const M = `mk${run}`;
const FILE = [
  '# exported from the old host',
  `export PLAIN=${M}-plain`,
  `SPACES='  ${M} two  words  '`,
  `DOUBLE="say \\"${M}\\" and \\\\back"`,
  `SINGLE="it's ${M}"`,
  `HASH='${M} #not a comment'   # but this is`,
  `EQUALS=${M}=a=b==`,
  `NEWLINES="${M}\\nsecond line\\n"`,
  'PEM="-----BEGIN KEY-----',
  `${M}+/==`,
  '-----END KEY-----"',
  `UNICODE=ünïcødé-${M}-😀`,
  `DOLLAR='$HOME \${X} ${M}'`,
  'EMPTY=',
  '',
].join('\n');
const VALUES: Record<string, string> = {
  DOLLAR: `$HOME \${X} ${M}`,
  DOUBLE: `say "${M}" and \\back`,
  EMPTY: '',
  EQUALS: `${M}=a=b==`,
  HASH: `${M} #not a comment`,
  NEWLINES: `${M}\nsecond line\n`,
  PEM: `-----BEGIN KEY-----\n${M}+/==\n-----END KEY-----`,
  PLAIN: `${M}-plain`,
  SINGLE: `it's ${M}`,
  SPACES: `  ${M} two  words  `,
  UNICODE: `ünïcødé-${M}-😀`,
};

interface List { version: string | null; keys: { key: string }[] }
interface History { versions: { set: string[]; unset: string[]; user: string }[] }

describe('app:secrets import and export', () => {
  let cli: CliSandbox;
  let bob: CliSandbox;
  const dir = mkdtempSync(join(tmpdir(), 'futuswarm-dotenv-'));
  /** Output of every command that must not show a value (all but export). */
  const quiet: CliResult[] = [];
  const runQuiet = async (args: string[], input?: string): Promise<CliResult> => {
    const r = await cli.run(args, input === undefined ? {} : { input });
    quiet.push(r);
    return r;
  };
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };

  before(async () => {
    await ensureLdap();
    [cli, bob] = await Promise.all([localSandbox(), localSandbox({ identityFile: BOB_KEY })]);
    for (const app of [APP, COPY]) {
      const created = await cli.run(['app:create', '-n', app]);
      assert.equal(created.code, 0, created.stderr);
    }
  });
  after(async () => {
    await removeApps(cli, APP, COPY);
  });

  it('imports a dotenv file with awkward values as one version', async () => {
    const r = await runQuiet(['app:secrets', 'import', '-n', APP, file('prod.env', FILE)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${APP}: changed ${Object.keys(VALUES).join(', ')} \\(secrets version .+\\)`));
    const { versions } = await cli.json<History>(['app:secrets', 'history', '-n', APP]);
    assert.deepEqual(versions.map((v) => v.set), [Object.keys(VALUES)]);
  });

  it('exports env that parses to exactly those values, and JSON of the same', async () => {
    const env = await cli.run(['app:secrets', 'export', '-n', APP]);
    assert.equal(env.code, 0, env.stderr);
    const parsed = parseDotenv(env.stdout);
    assert.deepEqual(parsed.ok && parsed.values, VALUES);
    const json = await cli.run(['app:secrets', 'export', '-n', APP, '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), VALUES);
    const whole = await cli.json<{ app: string; version: string; values: Record<string, string> }>(['app:secrets', 'export', '-n', APP]);
    assert.deepEqual([whole.app, whole.values], [APP, VALUES]);
    assert.equal(whole.version, (await cli.json<List>(['app:secrets', 'list', '-n', APP])).version);
  });

  it('round trip: export | import changes nothing here and copies everything to another app', async () => {
    const exported = (await cli.run(['app:secrets', 'export', '-n', APP])).stdout;
    const version = (await cli.json<List>(['app:secrets', 'list', '-n', APP])).version;
    const again = await runQuiet(['app:secrets', 'import', '-n', APP, '-'], exported);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing changed/);
    assert.equal((await cli.json<List>(['app:secrets', 'list', '-n', APP])).version, version);

    const copied = await runQuiet(['app:secrets', 'import', '-n', COPY, '--no-restart', '-'], exported);
    assert.equal(copied.code, 0, copied.stderr);
    assert.equal((await cli.run(['app:secrets', 'export', '-n', COPY])).stdout, exported);
  });

  it('refuses a bad file whole (exit 2), naming lines, never a value, and stores nothing', async () => {
    const version = (await cli.json<List>(['app:secrets', 'list', '-n', APP])).version;
    const bad = [
      `GOOD=${M}-would-be-new`,
      `lower=${M}-bad-key`,
      `PLAIN=${M}-duplicate`,
      `${M}-no-equals`,
      `PLAIN=${M}-second-duplicate`,
      `OPEN="${M}-unterminated`,
      '',
    ].join('\n');
    const r = await runQuiet(['app:secrets', 'import', '-n', APP, file('bad.env', bad)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bad\.env: 4 problems, nothing was changed:/);
    for (const line of [2, 4, 5, 6]) assert.match(r.stderr, new RegExp(`line ${line}: `));
    assert.match(r.stderr, /line 5: PLAIN is given twice \(first on line 3\)/);
    assert.match(r.stderr, /line 6: the double-quoted value is not closed/);
    for (const [name, text] of [['empty', ''], ['only a duplicate', 'A=1\nA=2\n']] as const) {
      const refused = await runQuiet(['app:secrets', 'import', '-n', APP, '-'], text);
      assert.equal(refused.code, 2, `${name}: ${refused.stderr}`);
    }
    assert.equal((await cli.json<List>(['app:secrets', 'list', '-n', APP])).version, version);
    assert.ok(!(await cli.json<List>(['app:secrets', 'list', '-n', APP])).keys.some((k) => k.key === 'GOOD'));
  });

  it('bob, who does not own the app, may not export it; the refusal and the exports are audited without values', async () => {
    const r = await bob.run(['app:secrets', 'export', '-n', APP]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n')[0], `error: forbidden: ${APP} is owned by admin (ask an owner: futuswarm app:owners add -n ${APP} bob)`);
    assert.match(r.stderr, /\nrequest id: [0-9a-f]{12}\n$/);
    assert.equal(r.stdout, '');
    const audit = await cli.run(['admin', 'audit', '-n', APP, '--since', '1h', '--json']);
    assert.equal(audit.code, 0, audit.stderr);
    const { records } = JSON.parse(audit.stdout) as { records: { user: string; op: string; result: string; code?: string }[] };
    const exports = records.filter((x) => x.op === 'app.secrets.export');
    assert.ok(exports.some((x) => x.user === 'admin' && x.result === 'ok'), 'the exports are recorded');
    assert.ok(exports.some((x) => x.user === 'bob' && x.code === 'forbidden'), "bob's refusal is recorded");
    assert.ok(!audit.stdout.includes(M), 'a secret value is in the audit trail');
  });

  it('20 concurrent sets with --lock-wait are all stored, each as its own version', async () => {
    // The first call opens the SSH connection the 20 then share.
    assert.equal((await cli.run(['app:secrets', 'list', '-n', APP])).code, 0);
    const earlier = (await cli.json<History>(['app:secrets', 'history', '-n', APP])).versions.length;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runQuiet(['app:secrets', 'set', '-n', APP, `K_${i}=v_${i}`, '--no-restart', '--lock-wait', '60s'])),
    );
    results.forEach((r, i) => assert.equal(r.code, 0, `writer ${i}: ${r.stderr}`));
    assert.ok(results.some((r) => new RegExp(`waiting up to 60s for the lock of ${APP}: admin holds it \\(a running app:secrets set\\)`).test(r.stderr)));
    const { values } = await cli.json<{ values: Record<string, string> }>(['app:secrets', 'export', '-n', APP]);
    for (let i = 0; i < 20; i++) assert.equal(values[`K_${i}`], `v_${i}`, `K_${i}`);
    const { versions } = await cli.json<History>(['app:secrets', 'history', '-n', APP]);
    assert.equal(versions.length, earlier + 20);
    assert.deepEqual(versions.slice(0, 20).map((v) => v.set.join()).sort(), Array.from({ length: 20 }, (_, i) => `K_${i}`).sort());
  });

  it('no value showed in the output of any command but export', () => {
    for (const r of quiet) assert.ok(!r.stdout.includes(M) && !r.stderr.includes(M), `a value in: ${r.stdout}${r.stderr}`.slice(0, 300));
  });
});
