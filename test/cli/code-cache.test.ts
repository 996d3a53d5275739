/**
 * The built CLI (bin/futuswarm.cjs) keeps a V8 code cache made after a run, in the user's cache
 * directory: written by the first run that succeeded, added to once by each command, used as it
 * is afterwards, replaced when V8 refuses it, and never in the way of a command. No cluster: ssh
 * is the offline stand-in that answers app.list.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { offlineCli, type OfflineCli } from '../helpers/offline-cli.ts';

describe('the CLI code cache', () => {
  let cli: OfflineCli;
  let dir: string;
  const files = (): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);
  /** The built CLI, not the source: the cache is bin/futuswarm.cjs's. */
  const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { ...cli.env, ...env } });

  before(async () => {
    cli = await offlineCli({ answers: { 'app.list': { apps: [] } } });
    dir = join(cli.env.XDG_CACHE_HOME!, 'futuswarm', 'code-cache');
    assert.deepEqual(files(), []);
  });

  it('a failed command writes none', async () => {
    const r = await run(['app:inspect', '-n', 'shop']);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(files(), []);
  });

  /** The commands the cache says it holds the code of, and its size. */
  const cached = (): { commands: string[]; bytes: number } => {
    const [name, ...more] = files();
    assert.ok(name !== undefined && name.endsWith('.bin') && more.length === 0, files().join(', '));
    const bytes = readFileSync(join(dir, name));
    const end = bytes.indexOf(0x0a);
    return { commands: (JSON.parse(bytes.subarray(0, end).toString()) as { commands: string[] }).commands, bytes: bytes.length - end - 1 };
  };

  it('--version writes one where there is none, holding no command; --help and --version leave one as it is', async () => {
    assert.equal((await run(['--version'])).code, 0);
    assert.deepEqual(cached().commands, []);
    const written = readFileSync(join(dir, files()[0]!));
    for (const args of [['--version'], ['--help'], ['help', 'app:list'], ['app:list', '--help']]) assert.equal((await run(args)).code, 0, args.join(' '));
    assert.deepEqual(readFileSync(join(dir, files()[0]!)), written);
  });

  it('a command that succeeded adds its code, private to the user', async () => {
    const r = await run(['context', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cached().commands, ['context']);
    assert.equal(statSync(join(dir, files()[0]!)).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  it("another command adds its code once, and clears other builds' caches and leftovers; after that every run uses the cache as it is", async () => {
    const before = cached();
    const [name] = files();
    writeFileSync(join(dir, 'cli-1-2-old-x64.bin'), 'an older build');
    writeFileSync(join(dir, `${name}.99999.tmp`), 'what a writer left');
    const first = await run(['--context', 'nowhere', 'app:list', '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { apps: [] });
    assert.deepEqual(files(), [name]);
    const after = cached();
    assert.deepEqual(after.commands, ['context', 'app:list']);
    assert.ok(after.bytes > before.bytes + 50_000, `${before.bytes} → ${after.bytes} bytes`);
    const written = readFileSync(join(dir, files()[0]!));
    for (const args of [['app:list'], ['context', 'list']]) assert.equal((await run(args)).code, 0, args.join(' '));
    assert.deepEqual(readFileSync(join(dir, files()[0]!)), written);
  });

  it('a cache V8 refuses is replaced, and the command runs as usual', async () => {
    const path = join(dir, files()[0]!);
    writeFileSync(path, Buffer.concat([Buffer.from('{"commands":["app:list"]}\n'), Buffer.alloc(4096, 7)]));
    const r = await run(['app:list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const now = cached();
    assert.deepEqual(now.commands, ['app:list']);
    assert.ok(now.bytes > 100_000, `${now.bytes} bytes`);
    writeFileSync(path, 'not a cache');
    assert.equal((await run(['app:list', '--json'])).code, 0);
    assert.deepEqual(cached().commands, ['app:list']);
  });

  it('a cache it cannot write costs nothing but time', async () => {
    // A file where the directory should be: even root cannot write there.
    const cache = join(cli.home, 'other-cache');
    mkdirSync(join(cache, 'futuswarm'), { recursive: true });
    writeFileSync(join(cache, 'futuswarm', 'code-cache'), '');
    const r = await run(['app:list', '--json'], { XDG_CACHE_HOME: cache });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });
});
