/**
 * Identity and access end to end: people from the LDAP rig (alice, bob, carol the admin) log in
 * with their own keys through the real sshd → authorized-keys → LDAP, and the agent's ACL,
 * owners and audit trail decide what each may do on the real swarm.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/registry.ts';
import { localSandbox, type CliResult, type CliSandbox } from '../helpers/cli.ts';
import { serviceExists, serviceVersion } from '../helpers/docker.ts';
import { addPerson, addPersonByCn, ensureLdap, removeEntry, setKeys, uniqueUid } from '../helpers/ldap.ts';
import { removeApps } from '../helpers/cleanup.ts';
import { agentState } from '../helpers/agent-state.ts';

const RIG = resolve(import.meta.dirname, '../../scripts/ldap-rig.sh');
const AGENT = '/opt/futuswarm/bin/futuswarm-agent';
const KEY_TTL_SECONDS = 2; // keyCache.ttlSeconds in scripts/local-cluster.sh
const KEYS_LOG = '/var/log/futuswarm/authorized-keys.log'; // keyCache.logFile there
const STATE_CACHE_SECONDS = 2; // daemon.stateCacheSeconds, by default
const suffix = Math.random().toString(36).slice(2, 7);
const APP = `shop-${suffix}`;
const RACE = `race-${suffix}`;
const ALICE_SECRET = `alice-secret-${suffix}-value`;
const BOB_SECRET = `bob-secret-${suffix}-value`;
const CAROL_SECRET = `carol-secret-${suffix}-value`;

type Rig = 'alice' | 'bob' | 'carol';

function rigIdentity(uid: Rig): string {
  const configHome = process.env.XDG_CONFIG_HOME ?? join(process.env.HOME ?? homedir(), '.config');
  return join(configHome, 'futuswarm', 'ldap-users', uid, 'id_ed25519');
}

const keyDirs: string[] = [];

/** A key pair of its own, in a temporary directory: [private key path, public key line]. */
function freshKey(comment: string): [string, string] {
  const dir = mkdtempSync(join(tmpdir(), 'futuswarm-key-'));
  keyDirs.push(dir);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', join(dir, 'id')]);
  return [join(dir, 'id'), readFileSync(join(dir, 'id.pub'), 'utf8').trim()];
}

/** A new CLI sandbox: its own SSH control socket, so sshd asks authorized-keys again. */
const as = (uid: Rig) => localSandbox({ identityFile: rigIdentity(uid) });

/** Exactly the error line, and the request id the agent's log files it under. */
const refusedWith = (line: string): RegExp => new RegExp(`^error: ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\nrequest id: [0-9a-f]{12}\n$`);
const forbiddenLine = (app: string, owner: string, user: string) =>
  `forbidden: ${app} is owned by ${owner} (ask an owner: futuswarm app:owners add -n ${app} ${user})`;

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`);
}

interface AuditRecord { user: string; op: string; app?: string; args?: Record<string, unknown>; result: 'ok' | 'error'; code?: string; message?: string }
interface Whoami { user: string; source: string; groups: string[]; admin: boolean; adminVia: string[]; warning?: string }
interface Owners { app: string; owners: string[]; createdBy: string | null }

describe('identity and access', () => {
  let alice: CliSandbox;
  let bob: CliSandbox;
  let carol: CliSandbox;
  let admin: CliSandbox;
  const people: string[] = [];

  before(async () => {
    await ensureLdap();
    [alice, bob, carol, admin] = await Promise.all([as('alice'), as('bob'), as('carol'), localSandbox()]);
  });
  after(async () => {
    execFileSync('bash', [RIG, 'up'], { stdio: 'ignore' });
    for (const dn of people) await removeEntry(dn);
    await removeApps(admin, APP, RACE);
    for (const dir of keyDirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('who is who', () => {
    it('alice comes from LDAP and is no admin', async () => {
      const me = await alice.json<Whoami>(['whoami']);
      assert.deepEqual(me, { user: 'alice', source: 'ldap', groups: ['developers'], admin: false, adminVia: [], cluster: 'local' });
      const text = await alice.run(['whoami']);
      assert.match(text.stdout, /^user: +alice$/m);
      assert.match(text.stdout, /^from: +LDAP$/m);
      assert.match(text.stdout, /^admin: +no$/m);
    });

    it('carol is an admin through the LDAP group', async () => {
      const me = await carol.json<Whoami>(['whoami']);
      assert.equal(me.user, 'carol');
      assert.equal(me.admin, true);
      assert.deepEqual(me.adminVia, ['LDAP group futuswarm-admins']);
      assert.ok(me.groups.includes('futuswarm-admins'));
    });

    it('the local admin comes from the users file and is an admin by the agent config', async () => {
      const me = await admin.json<Whoami>(['whoami']);
      assert.deepEqual([me.user, me.source, me.admin, me.adminVia], ['admin', 'users-file', true, ['agent config admins']]);
    });
  });

  describe('owners', () => {
    it('alice deploys a new app and becomes its owner', async () => {
      ok(await alice.run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000']), 'alice deploys');
      const owners = await bob.json<Owners>(['app:owners', '-n', APP]);
      assert.deepEqual([owners.owners, owners.createdBy], [['alice'], 'alice']);
      ok(await alice.run(['app:secrets', 'set', '-n', APP, `GREETING=${ALICE_SECRET}`, '--no-restart']), 'alice sets a secret');
    });

    it('bob may look: app:list, app:inspect, app:releases, app:owners', async () => {
      const { apps } = await bob.json<{ apps: { app: string }[] }>(['app:list']);
      assert.ok(apps.some((a) => a.app === APP));
      assert.equal((await bob.json<{ app: string }>(['app:inspect', '-n', APP])).app, APP);
      assert.equal((await bob.json<{ releases: unknown[] }>(['app:releases', '-n', APP])).releases.length, 1);
      const text = await bob.run(['app:owners', '-n', APP]);
      assert.match(text.stdout, new RegExp(`^${APP} is owned by alice`));
    });

    // Every command that changes the app or shows what only its owners may see.
    const refused: { command: string; argv: string[] }[] = [
      { command: 'app:deploy', argv: ['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '2'] },
      { command: 'app:remove', argv: ['app:remove', '-n', APP, '--confirm', APP] },
      { command: 'app:remove', argv: ['app:remove', '-n', APP, '--purge', '--confirm', APP] },
      { command: 'app:secrets', argv: ['app:secrets', 'set', '-n', APP, `GREETING=${BOB_SECRET}`] },
      { command: 'app:secrets', argv: ['app:secrets', 'unset', '-n', APP, 'GREETING', '--confirm', APP] },
      { command: 'app:secrets', argv: ['app:secrets', 'get', '-n', APP, 'GREETING'] },
      { command: 'app:secrets', argv: ['app:secrets', 'export', '-n', APP] },
      { command: 'app:secrets', argv: ['app:secrets', 'list', '-n', APP] },
      { command: 'app:secrets', argv: ['app:secrets', 'history', '-n', APP] },
      { command: 'app:owners', argv: ['app:owners', 'add', '-n', APP, 'bob'] },
      { command: 'app:owners', argv: ['app:owners', 'remove', '-n', APP, 'alice'] },
      { command: 'app:scale', argv: ['app:scale', '-n', APP, '3'] },
      { command: 'app:restart', argv: ['app:restart', '-n', APP] },
      { command: 'app:rollback', argv: ['app:rollback', '-n', APP] },
      { command: 'app:exec', argv: ['app:exec', '-n', APP, '--', 'ls', '/'] },
      { command: 'app:run', argv: ['app:run', '-n', APP, '--', 'ls', '/'] },
      { command: 'app:lock', argv: ['app:lock', '-n', APP] },
      { command: 'app:unlock', argv: ['app:unlock', '-n', APP] },
      { command: 'app:logs', argv: ['app:logs', '-n', APP] },
    ];

    it(`bob is refused, with the same words, for ${refused.length} commands, and nothing changes`, async () => {
      assert.deepEqual(refused.map((c) => c.command).filter((name) => !COMMANDS.some((entry) => entry.name === name)), []);
      const version = serviceVersion(APP);
      for (const { argv } of refused) {
        const r = await bob.run(argv);
        assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, refusedWith(forbiddenLine(APP, 'alice', 'bob')), argv.join(' '));
        assert.equal(r.stdout, '');
      }
      const json = await bob.run(['app:secrets', 'get', '-n', APP, 'GREETING', '--json']);
      assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'forbidden');
      assert.equal(serviceVersion(APP), version);
      assert.equal((await alice.json<{ value: string }>(['app:secrets', 'get', '-n', APP, 'GREETING'])).value, ALICE_SECRET);
      assert.deepEqual((await alice.json<Owners>(['app:owners', '-n', APP])).owners, ['alice']);
      assert.equal((await alice.json<{ releases: unknown[] }>(['app:releases', '-n', APP])).releases.length, 1);
    });

    it('bob may not run admin commands', async () => {
      const r = await bob.run(['admin', 'audit']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error: forbidden: admin\.audit is for admins and bob is not one \(an admin can grant membership of the LDAP group futuswarm-admins\)$/m);
    });

    it('carol, an admin, may act on the app', async () => {
      ok(await carol.run(['app:secrets', 'set', '-n', APP, `VISITOR=${CAROL_SECRET}`, '--no-restart']), 'carol sets a secret');
      assert.equal((await carol.json<{ value: string }>(['app:secrets', 'get', '-n', APP, 'GREETING'])).value, ALICE_SECRET);
      const version = serviceVersion(APP);
      const deployed = await carol.json<{ release: number; changed: boolean }>(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '2']);
      assert.deepEqual([deployed.release, deployed.changed], [2, true]);
      assert.notEqual(serviceVersion(APP), version);
      // Acting on an app does not make an admin its owner.
      assert.deepEqual((await carol.json<Owners>(['app:owners', '-n', APP])).owners, ['alice']);
    });

    it('owners manage owners: alice lets bob in, and out again', async () => {
      const added = await alice.run(['app:owners', 'add', '-n', APP, 'bob']);
      ok(added, 'alice adds bob');
      assert.equal(added.stdout, `added bob; owners of ${APP}: alice, bob\n`);
      ok(await bob.run(['app:secrets', 'list', '-n', APP]), 'bob, now an owner, lists the secrets');
      ok(await bob.run(['app:owners', 'remove', '-n', APP, 'bob']), 'bob removes himself');
      const again = await bob.run(['app:secrets', 'list', '-n', APP]);
      assert.match(again.stderr, refusedWith(forbiddenLine(APP, 'alice', 'bob')));
    });

    it("an owner removed on another manager is refused at once; what app:inspect shows him follows within the agent's read cache", async () => {
      ok(await alice.run(['app:owners', 'add', '-n', APP, 'bob']), 'alice adds bob');
      // bob's read puts the owners in the resident agent's memory.
      const seen = await bob.json<{ ownersOnly?: string[] }>(['app:inspect', '-n', APP]);
      assert.equal(seen.ownersOnly, undefined);
      // Another manager's agent removes him: straight in the state bucket, behind this agent's back.
      await agentState().state.owners.remove(APP, 'alice', 'bob');
      const refused = await bob.run(['app:secrets', 'list', '-n', APP]);
      assert.match(refused.stderr, refusedWith(forbiddenLine(APP, 'alice', 'bob')));
      await sleep((STATE_CACHE_SECONDS + 0.5) * 1000);
      const later = await bob.json<{ ownersOnly?: string[] }>(['app:inspect', '-n', APP]);
      assert.ok(later.ownersOnly?.includes('labels'), JSON.stringify(later.ownersOnly));
    });

    it('an app keeps its last owner, and owners must be people the cluster knows', async () => {
      const last = await alice.run(['app:owners', 'remove', '-n', APP, 'alice']);
      assert.equal(last.code, 2);
      assert.match(last.stderr, /alice is the last owner of/);
      const nobody = await alice.run(['app:owners', 'add', '-n', APP, `nobody-${suffix}`]);
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /nobody named nobody-\S+ is known to this cluster/);
      assert.deepEqual((await alice.json<Owners>(['app:owners', '-n', APP])).owners, ['alice']);
    });

    it('two people creating the same app at the same moment: exactly one owner, the other refused before anything runs', async () => {
      const [a, b] = await Promise.all([
        alice.run(['app:deploy', '-n', RACE, '-i', 'localhost/hello', '-t', '1', '--port', '8000']),
        bob.run(['app:deploy', '-n', RACE, '-i', 'localhost/hello', '-t', '1', '--port', '8000']),
      ]);
      const results = [{ who: 'alice', r: a }, { who: 'bob', r: b }];
      const winners = results.filter((x) => x.r.code === 0);
      assert.equal(winners.length, 1, results.map((x) => `${x.who}: ${x.r.code} ${x.r.stderr}`).join('\n'));
      const winner = winners[0]!.who;
      const loser = results.find((x) => x.who !== winner)!;
      assert.match(loser.r.stderr, refusedWith(forbiddenLine(RACE, winner, loser.who)));
      assert.deepEqual((await carol.json<Owners>(['app:owners', '-n', RACE])).owners, [winner]);
      assert.equal((await carol.json<{ releases: unknown[] }>(['app:releases', '-n', RACE])).releases.length, 1);
    });

    it('app:remove keeps the owners with the secrets; --purge frees the name', async () => {
      const [owner] = (await carol.json<Owners>(['app:owners', '-n', RACE])).owners;
      const remover = owner === 'alice' ? alice : bob;
      ok(await remover.run(['app:remove', '-n', RACE, '--confirm', RACE]), 'the owner removes the app');
      assert.equal(serviceExists(RACE), false);
      assert.deepEqual((await carol.json<Owners>(['app:owners', '-n', RACE])).owners, [owner]);
      const other = owner === 'alice' ? bob : alice;
      const taken = await other.run(['app:deploy', '-n', RACE, '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
      assert.equal(taken.code, 1);
      assert.match(taken.stderr, /forbidden: race-\S+ is owned by/);
      ok(await remover.run(['app:remove', '-n', RACE, '--purge', '--confirm', RACE]), 'the owner purges it');
      // Purged: no owners, no app; the name is anyone's again.
      const gone = await carol.run(['app:owners', '-n', RACE]);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, new RegExp(`there is no app named ${RACE}`));
    });
  });

  describe('keys', () => {
    it('sshd refuses a key that is not in LDAP or the users file', async () => {
      const [identityFile] = freshKey('stranger');
      const stranger = await localSandbox({ identityFile });
      const r = await stranger.run(['whoami']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /refused your SSH key/);
    });

    it('LDAP injection: a uid containing *)(uid=* matches nobody and logs nobody in', async () => {
      // A directory entry whose only uid is a filter fragment: its key logs nobody in.
      const [identityFile, line] = freshKey('injection');
      people.push(await addPersonByCn(`inj-${suffix}`, '*)(uid=*', [line]));
      const r = await (await localSandbox({ identityFile })).run(['whoami']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /refused your SSH key/);
      // An entry with that uid as a second value logs in as its RDN uid, never as anyone else.
      const [secondFile, secondLine] = freshKey('injection-second');
      const uid = `inj2-${suffix}`;
      people.push(await addPerson(uid, [secondLine], { uid: [uid, '*)(uid=*'] }));
      assert.equal((await (await localSandbox({ identityFile: secondFile })).json<Whoami>(['whoami'])).user, uid);
    });

    it('LDAP injection: a key or name that is a filter fragment is refused before any lookup', async () => {
      const out = execFileSync(AGENT, ['authorized-keys', 'futuswarm', 'ssh-ed25519', '*)(uid=*'], { encoding: 'utf8' });
      assert.equal(out, '');
      const add = await alice.run(['app:owners', 'add', '-n', APP, '*)(uid=*']);
      assert.equal(add.code, 2);
      assert.match(add.stderr, /USER: must be letters, digits/);
      assert.deepEqual((await alice.json<Owners>(['app:owners', '-n', APP])).owners, ['alice']);
      const audit = await carol.run(['admin', 'audit', '--user', '*)(uid=*']);
      assert.equal(audit.code, 2);
      assert.match(audit.stderr, /--user: must be letters, digits/);
    });

    it('a key removed from LDAP stops working once the cache TTL has passed', async () => {
      const uid = uniqueUid('leaver');
      const [identityFile, line] = freshKey(uid);
      people.push(await addPerson(uid, [line]));
      const before = await (await localSandbox({ identityFile })).json<Whoami>(['whoami']);
      assert.equal(before.user, uid);
      await setKeys(uid, []);
      await sleep((KEY_TTL_SECONDS + 1) * 1000);
      const r = await (await localSandbox({ identityFile })).run(['whoami']);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /refused your SSH key/);
    });

    it('with LDAP down, alice still gets in from the key cache and can act on her app', async () => {
      ok(await (await as('alice')).run(['whoami']), 'alice logs in while LDAP is up');
      const logStart = existsSync(KEYS_LOG) ? statSync(KEYS_LOG).size : 0;
      execFileSync('bash', [RIG, 'down'], { stdio: 'ignore' });
      try {
        // Past the TTL: the cached answer is stale, and served because LDAP does not answer.
        await sleep((KEY_TTL_SECONDS + 1) * 1000);
        const fresh = await as('alice');
        const me = await fresh.json<Whoami>(['whoami']);
        assert.equal(me.user, 'alice');
        // Another process starting the shared rig meanwhile would show here first.
        assert.match(me.warning ?? '', /groups unknown: LDAP ldap:\/\/127\.0\.0\.1:\d+/, `LDAP answered: ${JSON.stringify(me)}`);
        const secrets = await fresh.json<{ keys: { key: string }[] }>(['app:secrets', 'list', '-n', APP]);
        assert.deepEqual(secrets.keys.map((k) => k.key).sort(), ['GREETING', 'VISITOR']);
        // The users file keeps the break-glass admin working too.
        ok(await (await localSandbox()).run(['app:list']), 'admin from the users file');
        // sshd throws the command's stderr away; the operator finds it in keyCache.logFile.
        const log = readFileSync(KEYS_LOG, 'utf8').slice(logStart);
        assert.match(log, /authorized-keys\[\d+\]: LDAP ldap:\/\/127\.0\.0\.1:\d+: .*; serving the cached answer for alice \(ssh-ed25519 SHA256:/);
      } finally {
        execFileSync('bash', [RIG, 'up'], { stdio: 'ignore' });
      }
    });
  });

  describe('audit', () => {
    it('records every request above, refused ones included, and never a secret value', async () => {
      const { records } = await carol.json<{ records: AuditRecord[] }>(['admin', 'audit', '-n', APP, '--since', '1h']);
      const has = (user: string, op: string, result: 'ok' | 'error', code?: string) =>
        records.some((x) => x.user === user && x.op === op && x.result === result && (code === undefined || x.code === code));
      assert.ok(has('alice', 'app.deploy', 'ok'), 'alice deployed');
      assert.ok(has('alice', 'app.secrets.set', 'ok'), 'alice set a secret');
      const refusedOps = ['app.deploy', 'app.remove', 'app.secrets.set', 'app.secrets.unset', 'app.secrets.get', 'app.secrets.export', 'app.secrets.list', 'app.owners.add',
        'app.scale', 'app.restart', 'app.rollback', 'app.exec', 'app.run', 'app.lock', 'app.unlock', 'app.logs'];
      for (const op of refusedOps) {
        assert.ok(has('bob', op, 'error', 'forbidden'), `bob's refused ${op}`);
      }
      assert.ok(has('carol', 'app.deploy', 'ok'), 'carol deployed');
      assert.ok(has('carol', 'app.secrets.get', 'ok'), 'carol read a secret');
      assert.ok(has('alice', 'app.owners.add', 'ok') && has('bob', 'app.owners.remove', 'ok'), 'owner changes');
      const refusedSet = records.find((x) => x.user === 'bob' && x.op === 'app.secrets.set');
      assert.deepEqual(refusedSet?.args?.values, ['GREETING']);
      const text = JSON.stringify(records);
      for (const secret of [ALICE_SECRET, BOB_SECRET, CAROL_SECRET]) assert.equal(text.includes(secret), false, `${secret} in the audit trail`);

      const race = await carol.json<{ records: AuditRecord[] }>(['admin', 'audit', '-n', RACE]);
      assert.equal(race.records.filter((x) => x.op === 'app.deploy' && x.result === 'ok').length, 1);
      assert.ok(race.records.some((x) => x.op === 'app.deploy' && x.code === 'forbidden'));
      assert.ok(race.records.some((x) => x.op === 'app.remove' && x.result === 'ok'));
    });

    it('filters by user and prints a table', async () => {
      const { records } = await carol.json<{ records: AuditRecord[] }>(['admin', 'audit', '--user', 'bob', '-n', APP]);
      assert.ok(records.length >= 10, `${records.length} records`);
      assert.ok(records.every((x) => x.user === 'bob' && x.app === APP));
      const table = await admin.run(['admin', 'audit', '--user', 'bob', '-n', APP, '--limit', '3']);
      ok(table, 'admin audit as a table');
      assert.match(table.stdout, /^TIME\s+USER\s+OP\s+APP\s+RESULT\s+TOOK\s+DETAIL$/m);
      assert.match(table.stdout, new RegExp(`bob\\s+app\\.\\S+\\s+${APP}\\s+forbidden`));
      assert.match(table.stdout, /older records left out/);
    });
  });
});
