import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ContextStore } from '../../src/cli/contexts.ts';
import { FutuswarmError } from '../../src/core/errors.ts';

const FILE = 'current: prod\ncontexts:\n  prod:\n    hosts: [m1, m2]\n    domain: apps.example.com\n';
const PROD = { current: 'prod', contexts: { prod: { hosts: ['m1', 'm2'], port: 22, user: 'futuswarm', domain: 'apps.example.com' } } };

function setUp(text: string): { store: ContextStore; yaml: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'futuswarm-contexts-cache-'));
  mkdirSync(join(dir, 'config'));
  const yaml = join(dir, 'config', 'contexts.yaml');
  writeFileSync(yaml, text);
  const cache = join(dir, 'cache', 'contexts.json');
  return { store: new ContextStore(yaml, cache), yaml, cache };
}

type Stored = { format: number; key: Record<string, unknown>; file: typeof PROD };
const stored = (cache: string): Stored => JSON.parse(readFileSync(cache, 'utf8')) as Stored;

/** Move the file's modification time, so that an edit within the same instant is seen too. */
function touch(path: string, secondsLater: number): void {
  const { atime, mtime } = statSync(path);
  utimesSync(path, atime, new Date(mtime.getTime() + secondsLater * 1000));
}

describe('the cached copy of contexts.yaml', () => {
  it('is written, private, after the file is read and validated', async () => {
    const { store, yaml, cache } = setUp(FILE);
    assert.deepEqual(await store.read(), PROD);
    const copy = stored(cache);
    assert.deepEqual(copy.file, PROD);
    assert.equal(copy.key.path, yaml);
    assert.equal(copy.key.size, statSync(yaml).size);
    assert.equal(statSync(cache).mode & 0o777, 0o600);
  });

  it('is what a command reads while the file is unchanged', async () => {
    const { store, cache } = setUp(FILE);
    await store.read();
    const copy = stored(cache);
    copy.file.contexts.prod.domain = 'from-the-cache.example.com';
    writeFileSync(cache, JSON.stringify(copy));
    assert.equal((await store.read()).contexts.prod?.domain, 'from-the-cache.example.com');
  });

  it('is not used once the file was edited, even to the same size', async () => {
    const { store, yaml, cache } = setUp(FILE);
    await store.read();
    const edited = FILE.replace('m2', 'm9');
    assert.equal(edited.length, FILE.length);
    writeFileSync(yaml, edited);
    touch(yaml, 5);
    assert.deepEqual((await store.read()).contexts.prod?.hosts, ['m1', 'm9']);
    assert.deepEqual(stored(cache).file.contexts.prod.hosts, ['m1', 'm9']);
  });

  it('that is unreadable or malformed is passed over, and replaced', async () => {
    const { store, cache } = setUp(FILE);
    await store.read();
    const copy = stored(cache);
    for (const broken of ['{"format":1,"key":', 'null', JSON.stringify({ ...copy, file: { contexts: { prod: { hosts: 'm1' } } } }), JSON.stringify({ ...copy, format: 0 })]) {
      writeFileSync(cache, broken);
      assert.deepEqual(await store.read(), PROD, broken);
      assert.deepEqual(stored(cache).file, PROD);
    }
  });

  it('never hides a bad file: the error names the file and the bad value', async () => {
    const { store, yaml, cache } = setUp(FILE);
    await store.read();
    writeFileSync(yaml, 'contexts:\n  prod:\n    hosts: [m1, "", m3]\n    domain: apps.example.com\n');
    touch(yaml, 5);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(store.read(), (e) => {
        assert.ok(e instanceof FutuswarmError);
        assert.equal(e.code, 'config');
        assert.match(e.message, /contexts\.yaml: contexts\.prod\.hosts\.1: must not be empty/);
        return true;
      });
    }
    assert.deepEqual(stored(cache).file, PROD, 'the copy of the last good file stays, under its own key');
  });

  it('is not kept for a store given only its own file', async () => {
    const { yaml } = setUp(FILE);
    const store = new ContextStore(yaml);
    assert.equal(store.cachePath, undefined);
    assert.deepEqual(await store.read(), PROD);
  });
});
