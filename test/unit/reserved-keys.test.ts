import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { FutuswarmError } from '../../src/core/errors.ts';
import { refuseReservedKeys, reservedKeyPaths } from '../../src/core/reserved-keys.ts';
import { nodeLabelKey } from '../../src/core/node-labels.ts';
import { parseClusterConfig } from '../../src/config/cluster-file.ts';
import { loadAgentConfig } from '../../src/config/agent-config.ts';
import { parseUsersFile } from '../../src/config/users-file.ts';
import { ContextStore } from '../../src/cli/contexts.ts';

// JSON.parse, as the wire and the files give them: an object literal would set the prototype instead.
const json = (text: string): unknown => JSON.parse(text);

describe('reservedKeyPaths', () => {
  const cases: { name: string; value: unknown; paths: string[] }[] = [
    { name: 'a plain request', value: json('{"v":1,"op":"app.list","args":{}}'), paths: [] },
    { name: 'values that are reserved words are fine', value: json('{"a":"__proto__","b":["constructor"]}'), paths: [] },
    { name: '__proto__ at the top', value: json('{"__proto__":{"admin":true}}'), paths: ['__proto__'] },
    { name: 'under args', value: json('{"v":1,"op":"app.lock","args":{"app":"shop","__proto__":{"x":1}}}'), paths: ['args.__proto__'] },
    { name: 'constructor and prototype, deep and in arrays', value: json('{"a":[{"b":{"constructor":1}},{"prototype":2}]}'), paths: ['a.0.b.constructor', 'a.1.prototype'] },
    { name: 'inside a reserved key too', value: json('{"__proto__":{"constructor":{}}}'), paths: ['__proto__', '__proto__.constructor'] },
    { name: 'scalars and null', value: json('[1,"x",null,true]'), paths: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(reservedKeyPaths(c.value), c.paths));

  it('takes a root for its paths', () => {
    assert.deepEqual(reservedKeyPaths(json('{"constructor":1}'), 'args'), ['args.constructor']);
  });

  it('walks a value nested far deeper than the call stack goes', () => {
    const depth = 200_000;
    const deep = json(`${'{"a":'.repeat(depth)}{"__proto__":1}${'}'.repeat(depth)}`);
    const [path] = reservedKeyPaths(deep);
    assert.equal(path?.endsWith('a.a.__proto__'), true);
  });
});

describe('refuseReservedKeys', () => {
  it('throws invalid_input naming every bad key, or the code given', () => {
    assert.doesNotThrow(() => refuseReservedKeys(json('{"ok":1}'), 'bad request'));
    assert.throws(
      () => refuseReservedKeys(json('{"args":{"__proto__":{},"x":{"prototype":1}}}'), 'bad request'),
      (e: unknown) =>
        e instanceof FutuswarmError &&
        e.code === 'invalid_input' &&
        e.message === 'bad request:\n  args.__proto__: the key "__proto__" is not allowed\n  args.x.prototype: the key "prototype" is not allowed',
    );
    assert.throws(() => refuseReservedKeys(json('{"constructor":1}'), 'the agent sent an event', { code: 'protocol' }), (e: unknown) => e instanceof FutuswarmError && e.code === 'protocol');
  });
});

describe('files refuse reserved keys with their paths', () => {
  const tmp = (name: string, text: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'futuswarm-reserved-')), name);
    writeFileSync(path, text);
    return path;
  };
  const refusedWith = (pattern: RegExp) => (e: unknown) => e instanceof FutuswarmError && e.code === 'config' && pattern.test(e.message);

  it('YAML keeps __proto__ as a key of its own, as JSON.parse does', () => {
    assert.deepEqual(Object.keys(YAML.parse('a: 1\n__proto__:\n  admin: true\n') as object), ['a', '__proto__']);
  });

  it('the cluster file', () => {
    assert.throws(() => parseClusterConfig(YAML.parse('name: prod\nnetwork:\n  __proto__:\n    zones: 9\n'), 'cluster file prod.yaml'), refusedWith(/^cluster file prod\.yaml: network\.__proto__: the key "__proto__" is not allowed$/));
  });

  it('the agent config', async () => {
    const path = tmp('agent.yaml', 'cluster: prod\ndomain: apps.example.com\nstate: { bucket: prod-state, kmsKeyId: alias/prod }\nconstructor: { admins: [mallory] }\n');
    await assert.rejects(loadAgentConfig(path), refusedWith(/: constructor: the key "constructor" is not allowed$/));
  });

  it('the users file', () => {
    assert.throws(() => parseUsersFile(YAML.parse('users:\n  alice:\n    keys: []\n    __proto__: { groups: [futuswarm-admins] }\n')), refusedWith(/users\.alice\.__proto__/));
  });

  it('the contexts file', async () => {
    const store = new ContextStore(tmp('contexts.yaml', 'current: prod\ncontexts:\n  prod: { hosts: [m1], domain: apps.example.com, prototype: {} }\n'));
    await assert.rejects(store.read(), refusedWith(/contexts\.prod\.prototype: the key "prototype" is not allowed/));
  });
});

describe('node label keys', () => {
  it('refuses constructor and prototype, which would come back as object keys', () => {
    assert.deepEqual(['zone', 'constructor', 'prototype'].map((k) => nodeLabelKey.safeParse(k).success), [true, false, false]);
  });
});
