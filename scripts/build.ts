/**
 * Bundles the CLI and the agent with esbuild. Both are split so that each command loads only
 * what it needs: the agent starts for every SSH request (and twice per new connection, for
 * sshd's key lookup), so `authorized-keys` must not parse the AWS SDK and dockerode. The agent
 * is dist/agent/agent.js plus dist/agent/chunks/, which a node runs with plain `node`.
 */
import { build, type BuildOptions } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
