/**
 * Bundles the CLI and the agent with esbuild. The CLI is split so that each command loads only
 * what it needs; the agent is one self-contained file that a manager runs with plain `node`.
 */
import { build, type BuildOptions } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
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

// Files are overwritten in place (never a moment without dist/cli/cli.js); stale chunks go afterwards.
const [cli] = await Promise.all([
  build({ ...common, entryPoints: { cli: 'src/cli/bin.ts' }, outdir: 'dist/cli', splitting: true, chunkNames: 'chunks/[name]-[hash]', metafile: true }),
  build({ ...common, entryPoints: { agent: 'src/agent/main.ts' }, outfile: 'dist/agent.js' }),
]);
const fresh = new Set(Object.keys(cli.metafile.outputs).map((p) => relative('dist/cli/chunks', p)));
for (const file of readdirSync('dist/cli/chunks')) {
  if (!fresh.has(file)) rmSync(join('dist/cli/chunks', file), { force: true });
}
