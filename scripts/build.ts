/**
 * Bundles the CLI and the agent with esbuild. Both are split so that each command loads only
 * what it needs: the agent starts for every SSH request (and twice per new connection, for
 * sshd's key lookup), so `authorized-keys` must not parse the AWS SDK and dockerode. The agent
 * is dist/agent/agent.js plus dist/agent/chunks/, which a node runs with plain `node`.
 * The health probe (probe/, Go) becomes dist/probe/futuswarm-probe, a static linux-x64 binary.
 */
import { build, type BuildOptions } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __FUTUSWARM_VERSION__: JSON.stringify(pkg.version) },
  // Optional native add-ons of ssh2 (pulled in by dockerode); both have pure-JS fallbacks.
  external: ['cpu-features', '*.node'],
  // Bundled CommonJS dependencies call require() for Node built-ins and read __dirname.
  banner: {
    js: [
      "import { createRequire as __cr } from 'node:module';",
      "import { fileURLToPath as __fu } from 'node:url';",
      "const require = __cr(import.meta.url);",
      "const __filename = __fu(import.meta.url);",
      "const __dirname = __fu(new URL('.', import.meta.url));",
    ].join(' '),
  },
  logLevel: 'warning',
};

const split = { splitting: true, chunkNames: 'chunks/[name]-[hash]', metafile: true } as const;
// Files are overwritten in place (never a moment without an entry point); stale chunks go afterwards.
const [cli, agent] = await Promise.all([
  build({ ...common, ...split, entryPoints: { cli: 'src/cli/bin.ts' }, outdir: 'dist/cli' }),
  build({ ...common, ...split, entryPoints: { agent: 'src/agent/main.ts' }, outdir: 'dist/agent' }),
]);
for (const [dir, result] of [['dist/cli', cli], ['dist/agent', agent]] as const) {
  const fresh = new Set(Object.keys(result.metafile.outputs).map((p) => relative(join(dir, 'chunks'), p)));
  for (const file of readdirSync(join(dir, 'chunks'))) {
    if (!fresh.has(file)) rmSync(join(dir, 'chunks', file), { force: true });
  }
}
// The agent was one file before it was split.
for (const old of ['dist/agent.js', 'dist/agent.js.map']) if (existsSync(old)) rmSync(old);

// The health probe runs inside any app's container: static, no libc, for the nodes' architecture.
const probeOut = 'dist/probe/futuswarm-probe';
const probeSources = readdirSync('probe').map((f) => join('probe', f));
const newest = Math.max(...probeSources.map((f) => statSync(f).mtimeMs));
if (!existsSync(probeOut) || statSync(probeOut).mtimeMs < newest) {
  mkdirSync('dist/probe', { recursive: true });
  try {
    execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', `../${probeOut}.tmp`, '.'], {
      cwd: 'probe',
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64' },
    });
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    process.stderr.write(`build: ${missing ? 'Go is not installed (apt-get install golang, or go.dev/dl)' : 'go build of probe/ failed'}; the health probe is part of the agent bundle\n`);
    process.exit(1);
  }
  renameSync(`${probeOut}.tmp`, probeOut);
}
