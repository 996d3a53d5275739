import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { contextSchema } from '../../src/cli/context-schema.ts';
import { ContextStore } from '../../src/cli/contexts.ts';
import { FutuswarmError, parseWith } from '../../src/core/errors.ts';

const domain = 'apps.example.com';

function issuesOf(value: unknown): string[] {
  try {
    parseWith(contextSchema, value, 'context');
  } catch (e) {
    assert.ok(e instanceof FutuswarmError, String(e));
    assert.equal(e.code, 'invalid_input');
    return (e.details as { issues: string[] }).issues;
  }
  assert.fail('expected a validation error');
}

function storeWith(text: string): ContextStore {
  const path = join(mkdtempSync(join(tmpdir(), 'futuswarm-contexts-')), 'contexts.yaml');
  writeFileSync(path, text);
  return new ContextStore(path);
}

describe('contextSchema', () => {
  it('takes a list of managers, with the defaults', () => {
    assert.deepEqual(contextSchema.parse({ hosts: ['m1', 'm2', 'm3'], domain }), { hosts: ['m1', 'm2', 'm3'], port: 22, user: 'futuswarm', domain });
  });
  it('reads the older single host as a list of one', () => {
    assert.deepEqual(contextSchema.parse({ host: 'manager.example.com', port: 2222, domain }), { hosts: ['manager.example.com'], port: 2222, user: 'futuswarm', domain });
  });
  it('names every bad host by its place in the list', () => {
    assert.deepEqual(issuesOf({ hosts: ['m1', '', '-oProxyCommand=x', 'm 4', 'm1'], domain }), [
      'hosts.1: must not be empty',
      'hosts.2: must not start with "-"',
      'hosts.3: must be a host name or address, without spaces',
      'hosts.4: m1 is listed twice',
    ]);
  });
  it('wants one to seven managers', () => {
    assert.deepEqual(issuesOf({ hosts: [], domain }), ['hosts: must have at least 1 item']);
    assert.deepEqual(issuesOf({ hosts: ['1', '2', '3', '4', '5', '6', '7', '8'], domain }), ['hosts: must have at most 7 items']);
    assert.deepEqual(issuesOf({ domain }), ['hosts: is required']);
  });
  it('checks the older host as before, and not both forms at once', () => {
    assert.deepEqual(issuesOf({ host: '-x', domain }), ['host: must not start with "-"']);
    assert.deepEqual(issuesOf({ host: 'm1', hosts: ['m2'], domain }), ['host: give hosts or host, not both']);
  });
  it('reports other problems together with the hosts', () => {
    assert.deepEqual(issuesOf({ hosts: ['m1', 'm1'], domain: 'not a domain', port: 0 }), [
      'hosts.1: m1 is listed twice',
      'port: must be at least 1',
      'domain: must be a host name such as shop.example.com',
    ]);
  });
});

describe('ContextStore', () => {
  it('reads a file written before contexts had several hosts, and writes the new form', async () => {
    const store = storeWith('current: prod\ncontexts:\n  prod:\n    host: manager.example.com\n    port: 2222\n    user: futuswarm\n    domain: apps.example.com\n');
    const file = await store.read();
    assert.deepEqual(file.contexts.prod?.hosts, ['manager.example.com']);
    await store.write(file);
    const written = parse(readFileSync(store.path, 'utf8')) as { contexts: Record<string, Record<string, unknown>> };
    assert.deepEqual(written.contexts.prod, { hosts: ['manager.example.com'], port: 2222, user: 'futuswarm', domain });
    assert.deepEqual(await store.read(), file);
  });
  it('a bad host in the file is a config error naming the file and the path', async () => {
    const store = storeWith('contexts:\n  prod:\n    hosts: [m1, "", m3]\n    domain: apps.example.com\n');
    await assert.rejects(store.read(), (e) => {
      assert.ok(e instanceof FutuswarmError);
      assert.equal(e.code, 'config');
      assert.match(e.message, /contexts\.yaml: contexts\.prod\.hosts\.1: must not be empty/);
      return true;
    });
  });
});
