/**
 * What the benchmarks (bench/) share: timing a command, medians, and the baseline a user would otherwise
 * have — the docker CLI over SSH to the manager (bench/baseline-sshd.sh), multiplexed as a
 * user's ~/.ssh/config would make it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/futuswarm.cjs', import.meta.url));
export const LOCAL_DIR = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'futuswarm/local');

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Milliseconds one run of a command takes; a failed run stops the benchmark. */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** `futuswarm … ` on the local context, timed. */
export const timedCli = (args: string[]): number => timed(process.execPath, [CLI, '--context', 'local', ...args]);

/**
 * The environment that makes `docker` talk to the manager over SSH: DOCKER_HOST=ssh://…, with
 * a wrapper first on PATH that hands ssh a config with multiplexing (ControlMaster), as a
 * user's ~/.ssh/config would.
 */
export function dockerOverSsh(): NodeJS.ProcessEnv {
  const [target, knownHosts] = execFileSync('bash', [fileURLToPath(new URL('../../bench/baseline-sshd.sh', import.meta.url))], { encoding: 'utf8' }).trim().split(' ');
  const sshConfig = join(LOCAL_DIR, 'bench-ssh-config');
  execFileSync('sh', ['-c', `printf 'Host 127.0.0.1\\n  IdentityFile %s\\n  UserKnownHostsFile %s\\n  IdentitiesOnly yes\\n  BatchMode yes\\n  ControlMaster auto\\n  ControlPath %s/fsbench-%%C\\n  ControlPersist 60\\n' "$1" "$2" "$3" > "$4"`, 'sh', join(LOCAL_DIR, 'id_ed25519'), knownHosts ?? '', LOCAL_DIR, sshConfig]);
  const wrapperDir = join(LOCAL_DIR, 'bench-bin');
  execFileSync('sh', ['-c', `mkdir -p "$1" && printf '#!/bin/sh\\nexec /usr/bin/ssh -F %s "$@"\\n' "$2" > "$1/ssh" && chmod 755 "$1/ssh"`, 'sh', wrapperDir, sshConfig]);
  return { ...process.env, DOCKER_HOST: `ssh://${target}`, DOCKER_API_VERSION: '1.41', PATH: `${wrapperDir}:${process.env.PATH}` };
}
