/**
 * A deploy of a new tag: `futuswarm app:deploy` against the docker CLI over SSH doing the same
 * rolling update (start-first, rollback on failure, the same monitor window), alternating
 * tags 1 ↔ 2 on two otherwise equal services of the local cluster. Prints medians and the ratio.
 * Usage: npm run bench:deploy [-- <rounds>]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.argv[2] ?? 6);
const cli = fileURLToPath(new URL('../bin/futuswarm.js', import.meta.url));
const localDir = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'futuswarm/local');
const monitor = Number(process.env.FUTUSWARM_BENCH_MONITOR ?? 3); // the local agent config's deploy.monitorSeconds

const [target, knownHosts] = execFileSync('bash', [fileURLToPath(new URL('./baseline-sshd.sh', import.meta.url))], { encoding: 'utf8' }).trim().split(' ');
const sshConfig = join(localDir, 'bench-ssh-config');
execFileSync('sh', ['-c', `printf 'Host 127.0.0.1\\n  IdentityFile %s\\n  UserKnownHostsFile %s\\n  IdentitiesOnly yes\\n  BatchMode yes\\n  ControlMaster auto\\n  ControlPath %s/fsbench-%%C\\n  ControlPersist 60\\n' "$1" "$2" "$3" > "$4"`, 'sh', join(localDir, 'id_ed25519'), knownHosts ?? '', localDir, sshConfig]);
// The docker CLI runs `ssh` from PATH and ssh reads the account's own ~/.ssh/config; a wrapper
// first on PATH hands it this config instead, as a user's ~/.ssh/config would (multiplexing included).
const wrapperDir = join(localDir, 'bench-bin');
execFileSync('sh', ['-c', `mkdir -p "$1" && printf '#!/bin/sh\\nexec /usr/bin/ssh -F %s "$@"\\n' "$2" > "$1/ssh" && chmod 755 "$1/ssh"`, 'sh', wrapperDir, sshConfig]);
const dockerEnv = { ...process.env, DOCKER_HOST: `ssh://${target}`, DOCKER_API_VERSION: '1.41', PATH: `${wrapperDir}:${process.env.PATH}` };

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const futuswarm = (tag: string) => timed(process.execPath, [cli, '--context', 'local', '-q', 'app:deploy', '-n', 'bench-fs', '-i', 'localhost/hello', '-t', tag], process.env);
const docker = (tag: string) =>
  timed('docker', ['service', 'update', '--quiet', '--image', `localhost/hello:${tag}`, 'bench-docker'], dockerEnv);

// Two equal services: same image, one replica, same rolling-update policy and monitor window.
spawnSync('docker', ['service', 'rm', 'bench-docker'], { stdio: 'ignore' });
execFileSync('docker', ['service', 'create', '--quiet', '--name', 'bench-docker', '--replicas', '1', '--endpoint-mode', 'dnsrr', '--network', 'futuswarm-proxy',
  '--update-order', 'start-first', '--update-failure-action', 'rollback', '--update-monitor', `${monitor}s`, '--update-parallelism', '1',
  '--rollback-order', 'start-first', '--stop-grace-period', '5s', 'localhost/hello:1'], { stdio: 'ignore' });
execFileSync(process.execPath, [cli, '--context', 'local', '-q', 'app:deploy', '-n', 'bench-fs', '-i', 'localhost/hello', '-t', '1', '--port', '8000'], { stdio: 'inherit' });

const fs: number[] = [];
const dk: number[] = [];
for (let i = 0; i < rounds; i++) {
  const tag = i % 2 === 0 ? '2' : '1';
  fs.push(futuswarm(tag));
  dk.push(docker(tag));
  console.log(`round ${i + 1}: futuswarm ${fs.at(-1)!.toFixed(0)} ms, docker over ssh ${dk.at(-1)!.toFixed(0)} ms`);
}
spawnSync('docker', ['service', 'rm', 'bench-docker'], { stdio: 'ignore' });
spawnSync(process.execPath, [cli, '--context', 'local', '-q', 'app:remove', '-n', 'bench-fs', '--purge', '--confirm', 'bench-fs'], { stdio: 'ignore' });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`\nrolling update of one task, monitor ${monitor}s, ${rounds} rounds each`);
console.log(`futuswarm app:deploy        median ${median(fs).toFixed(0)} ms`);
console.log(`docker service update (ssh) median ${median(dk).toFixed(0)} ms`);
console.log(`ratio ${(median(fs) / median(dk)).toFixed(2)}x`);
