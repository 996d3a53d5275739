/**
 * Runs the built `futuswarm` binary as a user would, against the local cluster that
 * scripts/local-cluster.sh set up. Each suite gets its own config and cache directories.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO, 'bin/futuswarm.cjs');
/** The CLI's entry as source: Node runs it as it is, so tests of it need no build. */
export const SOURCE_CLI = join(REPO, 'src/cli/bin.ts');

/** What scripts/local-cluster.sh made for the person running it. */
export const LOCAL = {
  host: '127.0.0.1',
  port: Number(process.env.FUTUSWARM_SSH_PORT ?? 2222),
  domain: 'apps.local.test',
  dir: join(process.env.XDG_CONFIG_HOME || join(process.env.HOME ?? '/root', '.config'), 'futuswarm/local'),
};

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliSandbox {
  env: Record<string, string>;
  run(args: readonly string[], options?: { input?: string; env?: Record<string, string> }): Promise<CliResult>;
  json<T = unknown>(args: readonly string[]): Promise<T>;
}

/** A fresh XDG config/cache, with a context `local` for the local cluster (via the CLI itself). */
export async function localSandbox(options: { identityFile?: string; hosts?: readonly string[]; knownHostsFile?: string } = {}): Promise<CliSandbox> {
  if (!existsSync(join(LOCAL.dir, 'known_hosts'))) {
    throw new Error('the local cluster is not set up: run `npm run cluster:up` (npm test does it)');
  }
  const home = mkdtempSync(join(tmpdir(), 'futuswarm-test-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    NO_COLOR: '1',
  };
  delete env.FUTUSWARM_CONTEXT;
  const sandbox: CliSandbox = {
    env,
    run: (args, o = {}) => runCli(args, { env: { ...env, ...o.env }, ...(o.input !== undefined ? { input: o.input } : {}) }),
    async json<T>(args: readonly string[]): Promise<T> {
      const r = await sandbox.run([...args, '--json']);
      if (r.code !== 0) throw new Error(`futuswarm ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
      return JSON.parse(r.stdout) as T;
    },
  };
  const added = await sandbox.run([
    'context', 'add', 'local', '--host', (options.hosts ?? [LOCAL.host]).join(','), '--port', String(LOCAL.port), '--domain', LOCAL.domain,
    '--identity-file', options.identityFile ?? join(LOCAL.dir, 'id_ed25519'),
    '--known-hosts-file', options.knownHostsFile ?? join(LOCAL.dir, 'known_hosts'), '--use',
  ]);
  if (added.code !== 0) throw new Error(`context add failed: ${added.stderr}`);
  return sandbox;
}

/** Runs the CLI: the built binary, or `entry` (e.g. SOURCE_CLI, which needs no build). */
export function runCli(args: readonly string[], options: { env?: Record<string, string>; input?: string; entry?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [options.entry ?? CLI, ...args], { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Run the CLI as a shell runs `futuswarm … | reader`: stdout on a real pipe (64 KiB), read by
 * `reader`. The status is the CLI's own (pipefail; the reader exits 0).
 */
export function throughPipe(env: Record<string, string>, args: readonly string[], reader: string, entry: string = CLI): { code: number | null; stdout: string; stderr: string } {
  // The CLI and its arguments are positional parameters, never part of the script.
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"$0" "$@" | ${reader}`, process.execPath, entry, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
