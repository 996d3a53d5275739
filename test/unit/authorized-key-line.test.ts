import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FutuswarmError } from '../../src/core/errors.ts';
import { renderAuthorizedKeyLine } from '../../src/agent/key-lookup.ts';
import { newSshKey } from '../helpers/ssh-key.ts';

const AGENT = '/opt/futuswarm/bin/futuswarm-agent';

function refused(fn: () => unknown): FutuswarmError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FutuswarmError);
    assert.equal(e.code, 'invalid_input');
    return e;
  }
  assert.fail('expected the line to be refused');
}

describe('renderAuthorizedKeyLine', () => {
  it('forces the agent with the person as its argument, and nothing else', () => {
    const key = newSshKey();
    assert.equal(
      renderAuthorizedKeyLine(AGENT, 'alice', key.type, key.base64),
      `restrict,command="${AGENT} serve --user alice" ssh-ed25519 ${key.base64}`,
    );
  });

  it('forces the relay to the resident agent when the manager runs one, the person as its argument', () => {
    const key = newSshKey();
    const daemon = { relayCommand: '/opt/futuswarm/bin/futuswarm-relay', socket: '/run/futuswarm/agent.sock' };
    assert.equal(
      renderAuthorizedKeyLine(AGENT, 'alice', key.type, key.base64, daemon),
      `restrict,command="${daemon.relayCommand} --socket ${daemon.socket} --user alice" ssh-ed25519 ${key.base64}`,
    );
    for (const bad of [{ ...daemon, socket: '/run/a b' }, { ...daemon, relayCommand: 'relay' }, { ...daemon, socket: '/run/"x' }]) {
      refused(() => renderAuthorizedKeyLine(AGENT, 'alice', key.type, key.base64, bad));
    }
  });

  it('accepts the user names futuswarm allows', () => {
    const key = newSshKey();
    assert.match(renderAuthorizedKeyLine(AGENT, 'a.b_c-9', key.type, key.base64), /--user a\.b_c-9" /);
  });

  it('refuses user names that could leave the quotes or the line', () => {
    const key = newSshKey();
    for (const user of ['', 'al ice', 'alice"', 'alice\nssh-ed25519 AAAA', 'a\\', '*)(uid=*', '-alice', 'alice,command="sh"', 'ä']) {
      refused(() => renderAuthorizedKeyLine(AGENT, user, key.type, key.base64));
    }
  });

  it('refuses agent commands that are not a plain absolute path', () => {
    const key = newSshKey();
    for (const command of ['futuswarm-agent', '/bin/sh -c x', '/opt/a"b', '/opt/a\nb', '/opt/$(id)', '']) {
      refused(() => renderAuthorizedKeyLine(command, 'alice', key.type, key.base64));
    }
  });

  it('refuses key types and keys that are not exactly a supported key', () => {
    const key = newSshKey();
    refused(() => renderAuthorizedKeyLine(AGENT, 'alice', 'ssh-ed25519 x', key.base64));
    refused(() => renderAuthorizedKeyLine(AGENT, 'alice', 'ssh-rsa', key.base64));
    refused(() => renderAuthorizedKeyLine(AGENT, 'alice', 'ssh-dss', key.base64));
    refused(() => renderAuthorizedKeyLine(AGENT, 'alice', key.type, `${key.base64} comment`));
    refused(() => renderAuthorizedKeyLine(AGENT, 'alice', key.type, `${key.base64}\nssh-ed25519 ${key.base64}`));
  });

  it('reports every bad part at once, with its name', () => {
    const e = refused(() => renderAuthorizedKeyLine('x', 'a b', 'nope', '!'));
    const issues = (e.details as { issues: string[] }).issues;
    assert.deepEqual(issues.map((i) => i.split(':')[0]), ['agentCommand', 'user', 'keyType', 'keyBase64']);
  });
});
