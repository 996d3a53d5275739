#!/usr/bin/env node
/**
 * Starts the CLI (dist/cli/cli.cjs, one CommonJS file) with a V8 code cache made at the end of
 * earlier runs. Node's own compile cache (used for the files of dist/cli/vendor/) stores code as
 * compiled before it runs, so every run compiled again each function it called: about 11 ms of
 * an `app:list`. A cache V8 makes after a run holds those functions too.
 *
 * The cache is the user's, in $XDG_CACHE_HOME/futuswarm/code-cache (~/.cache by default), named
 * after the CLI file's size and time and V8's version: another build or Node gets its own. It
 * starts with a line naming the commands whose code it holds. A run of a command that is not
 * among them, or that found no cache V8 would take, writes one as it exits, if it succeeded:
 * what it loaded from the cache and what it compiled itself. So each command adds its code once
 * per build. `--help` and `--version` name no command: they write a cache only where there is
 * none, so that the next one starts from it. A cache that cannot be read or written only costs
 * that time.
 */
'use strict';
// CommonJS: Node reaches the first line of an ES module entry about 2 ms later.
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

Module.enableCompileCache?.();

/** The command this run is for (`app:list`, `context`), or undefined for help and the version. */
function commandOf(args) {
  if (args.some((a) => ['--help', '-h', '--version', '-V'].includes(a))) return undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--context') i++;
    else if (!args[i].startsWith('-')) return args[i] === 'help' ? undefined : args[i];
  }
  return undefined;
}

/** The cache's header line and its V8 data; nothing if it is missing or not ours. */
function readCache(path) {
  try {
    const bytes = readFileSync(path);
    const end = bytes.indexOf(0x0a);
    const { commands } = JSON.parse(bytes.subarray(0, end).toString('utf8'));
    return Array.isArray(commands) ? { commands, data: bytes.subarray(end + 1) } : {};
  } catch {
    return {};
  }
}

const file = join(__dirname, '..', 'dist', 'cli', 'cli.cjs');
const source = readFileSync(file, 'utf8');
const stat = statSync(file);
const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'futuswarm', 'code-cache');
const name = `cli-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.versions.v8}-${process.arch}.bin`;
const command = commandOf(process.argv.slice(2));
const cache = readCache(join(dir, name));
const script = new Script(Module.wrap(source), { filename: file, cachedData: cache.data });
const usable = cache.data !== undefined && !script.cachedDataRejected;
const held = usable ? cache.commands : [];
if (command !== undefined ? !held.includes(command) : !usable) {
  process.on('exit', (code) => {
    if (code !== 0) return;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = join(dir, `${name}.${process.pid}.tmp`);
      const header = Buffer.from(`${JSON.stringify({ commands: command !== undefined ? [...held, command] : held })}\n`);
      writeFileSync(tmp, Buffer.concat([header, script.createCachedData()]), { mode: 0o600 });
      renameSync(tmp, join(dir, name));
      // Other builds' caches, and files a writer left: a writer whose file goes fails its rename, harmlessly.
      for (const old of readdirSync(dir)) if (old !== name) rmSync(join(dir, old), { force: true });
    } catch {
      // a cache we cannot keep only costs time
    }
  });
}
const cli = { exports: {} };
script.runInThisContext()(cli.exports, Module.createRequire(file), cli, file, dirname(file));
