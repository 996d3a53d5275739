/**
 * CLI start-up: `futuswarm --help` and `--version` against a bare `node -e 0`, interleaved in
 * one run so machine noise hits all three alike. Prints medians and ratios.
 * Usage: npm run bench:startup [-- <rounds>]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.argv[2] ?? 30);
const cli = fileURLToPath(new URL('../bin/futuswarm.cjs', import.meta.url));
const cases: Record<string, string[]> = {
  'node -e 0': ['-e', '0'],
  'futuswarm --help': [cli, '--help'],
  'futuswarm --version': [cli, '--version'],
};

function time(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const args of Object.values(cases)) time(args); // warm the compile cache and the page cache
for (let i = 0; i < rounds; i++) for (const [name, args] of Object.entries(cases)) samples[name]!.push(time(args));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const base = median(samples['node -e 0']!);
console.log(`node ${process.version}, ${rounds} rounds`);
for (const [name, xs] of Object.entries(samples)) {
  console.log(`${name.padEnd(22)} median ${median(xs).toFixed(1).padStart(7)} ms   ratio ${(median(xs) / base).toFixed(2)}x`);
}
