/**
 * A deploy of a new tag: `futuswarm app:deploy` against the docker CLI over SSH doing the same
 * rolling update (start-first, rollback on failure, the same monitor window), alternating
 * tags 1 ↔ 2 on two otherwise equal services of the local cluster. Prints medians and the ratio.
 * Usage: npm run bench:deploy [-- <rounds>]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { CLI as cli, dockerOverSsh, median, timed } from '../test/helpers/bench.ts';

const rounds = Number(process.argv[2] ?? 6);
const monitor = Number(process.env.FUTUSWARM_BENCH_MONITOR ?? 3); // the local agent config's deploy.monitorSeconds
const dockerEnv = dockerOverSsh();

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

console.log(`\nrolling update of one task, monitor ${monitor}s, ${rounds} rounds each`);
console.log(`futuswarm app:deploy        median ${median(fs).toFixed(0)} ms`);
console.log(`docker service update (ssh) median ${median(dk).toFixed(0)} ms`);
console.log(`ratio ${(median(fs) / median(dk)).toFixed(2)}x`);
