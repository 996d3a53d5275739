import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { answeredHostPath, readAnsweredHost, rememberAnsweredHost } from '../../src/cli/answered-host.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { connectTimeoutSeconds, orderHosts, tryHosts } from '../../src/ssh/failover.ts';
import { SshConnectFailure, translateSshFailure } from '../../src/ssh/ssh-failure.ts';

const refused = (host: string): SshConnectFailure =>
  translateSshFailure(255, `ssh: connect to host ${host} port 22: Connection refused\r\n`, { host, port: 22, user: 'futuswarm' }) as SshConnectFailure;
const timedOut = (host: string): SshConnectFailure =>
  translateSshFailure(255, `ssh: connect to host ${host} port 22: Connection timed out\r\n`, { host, port: 22, user: 'futuswarm' }) as SshConnectFailure;

/** An attempt that fails for the hosts in `failures` and answers `answer from <host>` for the rest. */
function script(failures: Record<string, Error>): { asked: string[]; attempt(host: string): Promise<string> } {
  const asked: string[] = [];
  return {
    asked,
    attempt: async (host) => {
      asked.push(host);
      const failure = failures[host];
      if (failure) throw failure;
      return `answer from ${host}`;
    },
  };
}

describe('orderHosts', () => {
  it('keeps the listed order when nothing answered before', () => {
    assert.deepEqual(orderHosts(['m1', 'm2', 'm3'], undefined), ['m1', 'm2', 'm3']);
  });
  it('puts the host that answered last first, the others as listed', () => {
    assert.deepEqual(orderHosts(['m1', 'm2', 'm3'], 'm2'), ['m2', 'm1', 'm3']);
    assert.deepEqual(orderHosts(['m1', 'm2', 'm3'], 'm3'), ['m3', 'm1', 'm2']);
    assert.deepEqual(orderHosts(['m1', 'm2', 'm3'], 'm1'), ['m1', 'm2', 'm3']);
  });
  it('ignores a remembered host that the context no longer lists', () => {
    assert.deepEqual(orderHosts(['m1', 'm2'], 'old-manager'), ['m1', 'm2']);
  });
});

describe('connectTimeoutSeconds', () => {
  it('is short when another manager can be asked, as before with one', () => {
    assert.deepEqual([1, 2, 3, 7].map(connectTimeoutSeconds), [10, 3, 3, 3]);
  });
});

describe('tryHosts', () => {
  it('asks only the first host when it answers', async () => {
    const s = script({});
    assert.deepEqual(await tryHosts(['m1', 'm2'], s.attempt, { port: 22 }), { value: 'answer from m1', host: 'm1' });
    assert.deepEqual(s.asked, ['m1']);
  });

  it('moves on after connect failures, saying so', async () => {
    const s = script({ m1: refused('m1'), m2: timedOut('m2') });
    const skipped: string[] = [];
    const r = await tryHosts(['m1', 'm2', 'm3'], s.attempt, { port: 22, onSkip: (m) => skipped.push(m) });
    assert.deepEqual(r, { value: 'answer from m3', host: 'm3' });
    assert.deepEqual(s.asked, ['m1', 'm2', 'm3']);
    assert.deepEqual(skipped, ['m1:22 did not answer (Connection refused); trying m2', 'm2:22 did not answer (Connection timed out); trying m3']);
  });

  it('stops at any other failure: a refused key, a changed host key, a connection that broke, an agent error', async () => {
    const target = { host: 'm1', port: 22, user: 'futuswarm' };
    for (const failure of [
      translateSshFailure(255, 'futuswarm@m1: Permission denied (publickey).', target),
      translateSshFailure(255, 'Host key verification failed.', target),
      translateSshFailure(255, 'Connection to m1 closed by remote host.', target),
      translateSshFailure(255, 'ssh: connect to host m1 port 22: Connection refused', target, { answered: true }),
      new FutuswarmError('locked', 'shop is locked'),
    ]) {
      const s = script({ m1: failure });
      await assert.rejects(tryHosts(['m1', 'm2'], s.attempt, { port: 22 }), (e) => e === failure);
      assert.deepEqual(s.asked, ['m1']);
    }
  });

  it('with one host, fails with ssh\'s own account of it', async () => {
    const failure = refused('m1');
    await assert.rejects(tryHosts(['m1'], script({ m1: failure }).attempt, { port: 22 }), (e) => e === failure);
  });

  it('when no host answers, names each one and its reason in one error', async () => {
    const s = script({ m1: refused('m1'), m2: timedOut('m2') });
    await assert.rejects(tryHosts(['m1', 'm2'], s.attempt, { port: 22 }), (e) => {
      assert.ok(e instanceof FutuswarmError && !(e instanceof SshConnectFailure));
      assert.equal(e.code, 'ssh_unreachable');
      assert.equal(e.message, 'no manager answered: m1:22 (Connection refused), m2:22 (Connection timed out)');
      assert.match(e.hint ?? '', /futuswarm context list/);
      assert.deepEqual(e.details, { attempts: [{ host: 'm1', port: 22, reason: 'Connection refused' }, { host: 'm2', port: 22, reason: 'Connection timed out' }] });
      return true;
    });
  });
});

describe('the host that answered last', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'futuswarm-answered-'));
  it('is remembered per context and read back', () => {
    const cache = dir();
    rememberAnsweredHost(answeredHostPath(cache, 'prod'), 'm2');
    assert.equal(readAnsweredHost(answeredHostPath(cache, 'prod')), 'm2');
    assert.equal(readAnsweredHost(answeredHostPath(cache, 'staging')), undefined);
    assert.equal(readFileSync(answeredHostPath(cache, 'prod'), 'utf8'), 'm2\n');
  });
  it('a file that is not one host name counts as no memory', () => {
    const cache = dir();
    const path = answeredHostPath(cache, 'prod');
    mkdirSync(join(cache, 'answered-host'));
    for (const text of ['', '\n', 'm1 m2\n', '-oProxyCommand=x\n', '\u0000\u0001binary']) {
      writeFileSync(path, text);
      assert.equal(readAnsweredHost(path), undefined, JSON.stringify(text));
    }
  });
  it('a cache that cannot be written is no error', () => {
    const cache = dir();
    writeFileSync(join(cache, 'answered-host'), 'a file where the directory would go');
    assert.doesNotThrow(() => rememberAnsweredHost(answeredHostPath(cache, 'prod'), 'm2'));
    assert.equal(readAnsweredHost(answeredHostPath(cache, 'prod')), undefined);
  });
});
