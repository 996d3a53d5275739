/**
 * The CLI from source with no cluster at all: a fresh config and cache, one context whose
 * manager nobody runs, and `ssh` and `docker` on PATH that only note that they were called.
 * What must fail before any connection is checked with `contacted()`.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli, SOURCE_CLI, type CliResult } from './cli.ts';

export interface OfflineCli {
  env: Record<string, string>;
  home: string;
  run(args: readonly string[], options?: { input?: string; env?: Record<string, string> }): Promise<CliResult>;
  /** Each call of ssh or docker so far, as `ssh <args>`. */
  contacted(): string[];
  /** What was sent to the agent so far: the first line ssh got on stdin, parsed. */
  requests(): unknown[];
}

export async function offlineCli(): Promise<OfflineCli> {
  const home = mkdtempSync(join(tmpdir(), 'futuswarm-offline-'));
  const bin = join(home, 'bin');
  const calls = join(home, 'calls');
  const sent = join(home, 'requests');
  mkdirSync(bin);
  // What each says is what the real one says when nothing listens (ssh) or no daemon runs (docker).
  const says = { ssh: 'ssh: connect to host 127.0.0.1 port 9: Connection refused', docker: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' };
  for (const [tool, message] of Object.entries(says)) {
    // ssh keeps the request's line (one line: a call that keeps stdin open wrote it already).
    const keep = tool === 'ssh' ? `head -n 1 >> "${sent}"\n` : '';
    writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${calls}"\n${keep}echo "${message}" >&2\nexit 255\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  const env: Record<string, string> = {
    HOME: home,
    PATH: [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    NO_COLOR: '1',
    // Node keeps what it compiled of the source (types stripped) for the next run: 3 times faster.
    NODE_COMPILE_CACHE: join(tmpdir(), 'futuswarm-test-compile-cache'),
  };
  const cli: OfflineCli = {
    env,
    home,
    run: (args, options = {}) => runCli(args, { entry: SOURCE_CLI, ...options, env: { ...env, ...options.env } }),
    contacted: () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter((l) => l !== '') : []),
    requests: () => (existsSync(sent) ? readFileSync(sent, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) : []),
  };
  const added = await cli.run(['context', 'add', 'nowhere', '--host', '127.0.0.1', '--port', '9', '--domain', 'apps.example.test', '--use']);
  if (added.code !== 0) throw new Error(`context add failed: ${added.stderr}`);
  return cli;
}
