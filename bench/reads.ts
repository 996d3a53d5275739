/**
 * Everyday reads: `futuswarm app:list --json` against `docker service ls`, and `futuswarm
 * app:inspect` against `docker service inspect`, the docker CLI talking to the same manager over
 * multiplexed SSH (bench/baseline-sshd.sh). Rounds alternate so machine noise hits both alike.
 * Also a deploy of an unchanged spec ("no changes") against `docker service inspect`, and the
 * first command after a pause: both with their multiplexed SSH connection closed first.
 * For scale, also Node's own floor: a Node process that sends the same app.list request over the
 * same SSH connection, with none of futuswarm's code.
 * Prints medians, then ratios; the last line is the ratio of app:list.
 * Usage: npm run bench:reads [-- <rounds>]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, dockerOverSsh, LOCAL_DIR, median, timed, timedCli } from '../test/helpers/bench.ts';
import { cacheDir, ContextStore } from '../src/cli/contexts.ts';
import { requestLine } from '../src/protocol.ts';
import { buildSshArgs } from '../src/ssh/ssh-args.ts';

const rounds = Number(process.argv[2] ?? 15);
const APP = `reads-${Date.now().toString(36)}`;
const dockerEnv = dockerOverSsh();
const deploy = ['-q', 'app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000'];

execFileSync(process.execPath, [CLI, '--context', 'local', ...deploy], { stdio: 'inherit' });
const floorDir = mkdtempSync(join(tmpdir(), 'futuswarm-bench-'));
const floor = await nodeFloor(floorDir);
try {
  // Warm both paths (the SSH master connections, caches) before measuring.
  timedCli(['app:list', '--json']);
  timed('docker', ['service', 'ls'], dockerEnv);

  const samples: Record<string, number[]> = { list: [], ls: [], inspect: [], dinspect: [], noop: [], coldList: [], coldLs: [], floor: [] };
  for (let i = 0; i < rounds; i++) {
    // After a pause the multiplexed connection is gone: a new one, with sshd's key lookup.
    closeMasters(join(cacheDir(), 'ssh'), () => true);
    samples.coldList!.push(timedCli(['app:list', '--json']));
    closeMasters(LOCAL_DIR, (name) => name.startsWith('fsbench-'));
    samples.coldLs!.push(timed('docker', ['service', 'ls'], dockerEnv));
    samples.list!.push(timedCli(['app:list', '--json']));
    samples.ls!.push(timed('docker', ['service', 'ls'], dockerEnv));
    samples.inspect!.push(timedCli(['app:inspect', '-n', APP, '--json']));
    samples.dinspect!.push(timed('docker', ['service', 'inspect', APP], dockerEnv));
    samples.noop!.push(timedCli(deploy));
    samples.floor!.push(floor());
  }
  const m = { list: median(samples.list!), ls: median(samples.ls!), inspect: median(samples.inspect!), dinspect: median(samples.dinspect!), noop: median(samples.noop!) };
  const cold = { list: median(samples.coldList!), ls: median(samples.coldLs!) };
  console.log(`${rounds} alternating rounds, medians`);
  console.log(`futuswarm app:list, new connection ${cold.list.toFixed(0).padStart(5)} ms`);
  console.log(`docker service ls, new connection ${cold.ls.toFixed(0).padStart(5)} ms`);
  console.log(`futuswarm app:list --json         ${m.list.toFixed(0).padStart(5)} ms`);
  console.log(`docker service ls (ssh)           ${m.ls.toFixed(0).padStart(5)} ms`);
  console.log(`futuswarm app:inspect --json      ${m.inspect.toFixed(0).padStart(5)} ms`);
  console.log(`docker service inspect (ssh)      ${m.dinspect.toFixed(0).padStart(5)} ms`);
  console.log(`futuswarm app:deploy, no changes  ${m.noop.toFixed(0).padStart(5)} ms`);
  console.log(`node + ssh, app.list, no futuswarm ${median(samples.floor!).toFixed(0).padStart(4)} ms (Node's floor, for scale)`);
  console.log(`ratio ${(cold.list / cold.ls).toFixed(2)}x app:list against docker service ls, each on a new SSH connection`);
  console.log(`ratio ${(m.noop / m.dinspect).toFixed(2)}x no-op deploy against docker service inspect (goal <= 3x)`);
  console.log(`ratio ${(m.inspect / m.dinspect).toFixed(2)}x app:inspect against docker service inspect (goal <= 2x)`);
  console.log(`ratio ${(m.list / m.ls).toFixed(2)}x app:list against docker service ls (goal <= 2x)`);
} finally {
  spawnSync(process.execPath, [CLI, '--context', 'local', '-q', 'app:remove', '-n', APP, '--purge', '--confirm', APP], { stdio: 'ignore' });
  rmSync(floorDir, { recursive: true, force: true });
}

/**
 * A run of the smallest Node client there can be: start Node, spawn ssh with futuswarm's own
 * arguments for the local context, send app.list's request line, and pass the answer on.
 */
async function nodeFloor(dir: string): Promise<() => number> {
  const { context } = await new ContextStore().resolve('local');
  const target = { host: context.hosts[0]!, port: context.port, user: context.user, identityFile: context.identityFile, knownHostsFile: context.knownHostsFile };
  const argv = buildSshArgs(target, { controlDir: join(cacheDir(), 'ssh'), controlPersistSeconds: 60 });
  const script = join(dir, 'floor.mjs');
  writeFileSync(
    script,
    [
      "const { spawn } = process.getBuiltinModule('node:child_process');",
      `const ssh = spawn('ssh', ${JSON.stringify(argv)}, { stdio: ['pipe', 'inherit', 'inherit'] });`,
      `ssh.stdin.end(${JSON.stringify(requestLine('app.list', {}, undefined))});`,
      'ssh.on("close", (code) => process.exit(code ?? 1));',
    ].join('\n'),
  );
  return () => timed(process.execPath, [script]);
}

/** Ends the SSH master connections whose control sockets are in `dir` (the next command opens a new one). */
function closeMasters(dir: string, isOurs: (name: string) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter(isOurs);
  } catch {
    return;
  }
  for (const name of names) spawnSync('ssh', ['-O', 'exit', '-o', `ControlPath=${join(dir, name)}`, 'unused'], { stdio: 'ignore' });
}
