/**
 * `app:secrets set` of 1 key and of 500 keys in one version (stored only, no restart), on the
 * local cluster: the cost of KMS + S3 + the round trip over SSH. Prints medians, then the ratio
 * of 500 keys against 1 key in the same run.
 * Usage: npm run bench:secrets [-- <rounds>]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.argv[2] ?? 7);
const cli = fileURLToPath(new URL('../bin/futuswarm.cjs', import.meta.url));
const APP = 'bench-secrets';
const run = (args: string[]) => execFileSync(process.execPath, [cli, '--context', 'local', '-q', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });

function timed(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, '--context', 'local', '-q', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`futuswarm ${args.slice(0, 4).join(' ')} … exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

spawnSync(process.execPath, [cli, '--context', 'local', '-q', 'app:remove', '-n', APP, '--purge', '--confirm', APP], { stdio: 'ignore' });
run(['app:deploy', '-n', APP, '-i', 'localhost/hello', '-t', '1', '--port', '8000']);
const one: number[] = [];
const many: number[] = [];
for (let i = 0; i < rounds; i++) {
  one.push(timed(['app:secrets', 'set', '-n', APP, '--no-restart', `ONE=value-${i}`]));
  many.push(timed(['app:secrets', 'set', '-n', APP, '--no-restart', ...Array.from({ length: 500 }, (_, k) => `KEY_${k}=value-${i}-${k}-${'x'.repeat(40)}`)]));
}
run(['app:remove', '-n', APP, '--purge', '--confirm', APP]);
console.log(`app:secrets set, ${rounds} rounds each, stored without restart`);
console.log(`1 key     median ${median(one).toFixed(0)} ms`);
console.log(`500 keys  median ${median(many).toFixed(0)} ms`);
// The baseline is the same command with one key, in the same run: what 499 more keys cost.
console.log(`ratio ${(median(many) / median(one)).toFixed(2)}x (500 keys against 1 key)`);
