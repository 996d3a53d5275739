/**
 * Bundles the CLI and the agent with esbuild.
 *
 * The CLI is one CommonJS file (dist/cli/cli.cjs), which bin/futuswarm.cjs runs with a code cache
 * (see there), with the packages it loads only on demand beside it, in dist/cli/vendor/: the AWS
 * SDK clients, which only admin commands use. A command's own module stays in the file
 * unevaluated until the command runs, but Node resolves and links every file it loads, and the
 * 40 small files of a split bundle cost `app:list` about 10 ms of its 77. Vendor packages are
 * imported dynamically everywhere in src/ (the build refuses a static import); in the CLI that
 * becomes a require() of the vendor file, an ES module, which Node's require() loads.
 *
 * The agent is split so that each request loads only what it needs: without the resident agent
 * it starts for every SSH request (and twice per new connection, for sshd's key lookup), so
 * `authorized-keys` must not parse the AWS SDK and dockerode. It is dist/agent/agent.js plus
 * dist/agent/chunks/, which a node runs with plain `node`.
 * The health probe (probe/, Go) becomes dist/probe/futuswarm-probe and the relay (relay/, Go)
 * dist/relay/futuswarm-relay, static linux-x64 binaries.
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

// Bundled CommonJS dependencies call require() for Node built-ins and read __dirname.
const BANNER = [
  "import { createRequire as __cr } from 'node:module';",
  "import { fileURLToPath as __fu } from 'node:url';",
  'const require = __cr(import.meta.url);',
  'const __filename = __fu(import.meta.url);',
  "const __dirname = __fu(new URL('.', import.meta.url));",
].join(' ');

const inCommander = (importer: string): boolean => importer.includes(`${sep}node_modules${sep}commander${sep}`);

/**
 * commander imports node:child_process only to spawn executable subcommands, which futuswarm has
 * none of; loading it costs every command a few milliseconds. It gets spawn from Node when asked.
 */
const commanderSpawnsLazily: Plugin = {
  name: 'commander-spawns-lazily',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      inCommander(args.importer) ? { path: 'child-process-on-demand', namespace: 'commander-spawn' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'commander-spawn' }, () => ({
      contents: "export default { spawn: (...args) => process.getBuiltinModule('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};

/**
 * An ESM import of a Node built-in makes Node build a module facade that reads every export,
 * getters included: for node:fs that loads fs/promises, readline and the fs streams, for
 * node:util the argument parser, diff and worker threads, for node:crypto Web Crypto. That is
 * several milliseconds for every command. Our code and commander get each built-in from a
 * module whose every export reads that one property, marked pure so that the bundle keeps
 * only the exports something imports: as with require(), only what is used is read.
 * Other dependencies import built-ins as usual.
 */
const builtinsReadOnUse: Plugin = {
  name: 'builtins-read-on-use',
  setup(b) {
    const ours = (importer: string) => importer.startsWith(join(process.cwd(), 'src') + sep) || inCommander(importer);
    b.onResolve({ filter: /^node:/ }, (args) => (ours(args.importer) ? { path: args.path, namespace: 'builtins-read-on-use' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtins-read-on-use' }, (args) => {
      const names = Object.keys(process.getBuiltinModule(args.path) as object).filter((name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
      const contents = [
        `const $m = process.getBuiltinModule(${JSON.stringify(args.path)});`,
        'const $read = (name) => $m[name];',
        'export default $m;',
        ...names.map((name) => `export const ${name} = /* @__PURE__ */ $read(${JSON.stringify(name)});`),
      ];
      return { contents: contents.join('\n'), loader: 'js' };
    });
  },
};

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
  banner: { js: BANNER },
  plugins: [commanderSpawnsLazily, builtinsReadOnUse],
  logLevel: 'warning',
};

/** The packages the CLI loads from dist/cli/vendor/, each only when a command first asks for it. */
const CLI_VENDOR = /^(?:@aws-sdk\/[^/]+|dockerode|pg)$/;
const vendorFile = (pkg: string): string => `${pkg.replace(/^@/, '').replace(/\//g, '-')}.js`;

/** The CLI's imports of CLI_VENDOR packages become imports of their files in dist/cli/vendor/. */
const cliVendorImports = (seen: Set<string>): Plugin => ({
  name: 'cli-vendor-imports',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (!CLI_VENDOR.test(args.path) || !args.importer.startsWith(join(process.cwd(), 'src') + sep)) return undefined;
      if (args.kind !== 'dynamic-import') {
        return { errors: [{ text: `${args.path} must be imported with import(): the CLI loads it from dist/cli/vendor/ only when a command needs it` }] };
      }
      seen.add(args.path);
      return { path: `./vendor/${vendorFile(args.path)}`, external: true };
    });
  },
});

/** Each vendor package as a module whose default export is the package (what import() of it gave before). */
const vendorEntries: Plugin = {
  name: 'vendor-entries',
  setup(b) {
    b.onResolve({ filter: /^vendor:/ }, (args) => ({ path: args.path.slice('vendor:'.length), namespace: 'vendor-entry' }));
    b.onLoad({ filter: /.*/, namespace: 'vendor-entry' }, (args) => ({
      contents: `import pkg from ${JSON.stringify(args.path)};\nexport default pkg;\n`,
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};

const split = { splitting: true, chunkNames: 'chunks/[name]-[hash]', metafile: true } as const;
// Files are overwritten in place (never a moment without an entry point); stale chunks go afterwards.
const vendorUsed = new Set<string>();
const [cli, agent] = await Promise.all([
  // CommonJS, for bin/futuswarm.cjs runs it as a vm.Script with a code cache made after a run
  // (see there). The vendor files are ES modules, which Node's require() loads.
  build({
    ...common,
    format: 'cjs',
    // What the code reads as import.meta.url (admin's bootstrap finds templates/ by it).
    banner: { js: "'use strict'; var __futuswarm_cli_url = require('node:url').pathToFileURL(__filename).href;" },
    supported: { 'dynamic-import': false },
    define: { ...common.define, 'import.meta.url': '__futuswarm_cli_url' },
    metafile: true,
    plugins: [...common.plugins!, cliVendorImports(vendorUsed)],
    entryPoints: { cli: 'src/cli/bin.ts' },
    outExtension: { '.js': '.cjs' },
    outdir: 'dist/cli',
  }),
  build({ ...common, ...split, entryPoints: { agent: 'src/agent/main.ts' }, outdir: 'dist/agent' }),
]);
const vendor = await build({
  ...common,
  ...split,
  plugins: [vendorEntries],
  entryPoints: Object.fromEntries([...vendorUsed].map((pkg) => [vendorFile(pkg).replace(/\.js$/, ''), `vendor:${pkg}`])),
  outdir: 'dist/cli/vendor',
});
for (const [dir, result] of [['dist/cli/vendor', vendor], ['dist/agent', agent]] as const) {
  const fresh = new Set(Object.keys(result.metafile.outputs).map((p) => relative(dir, p)));
  for (const sub of ['', 'chunks']) {
    if (!existsSync(join(dir, sub))) continue;
    for (const file of readdirSync(join(dir, sub), { withFileTypes: true })) {
      if (file.isFile() && !fresh.has(join(sub, file.name))) rmSync(join(dir, sub, file.name), { force: true });
    }
  }
}
// The CLI was split into chunks, and then an ES module, before it was this file.
for (const old of ['dist/cli/chunks', 'dist/cli/cli.js', 'dist/cli/cli.js.map']) rmSync(old, { recursive: true, force: true });
// Only a file that names require, __filename or __dirname keeps the banner: creating a require
// costs every chunk that loads. The line stays, empty, so that the source maps still fit; the
// file is replaced whole (a new file renamed over it).
for (const result of [cli, agent, vendor]) {
  for (const file of Object.keys(result.metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(file, 'utf8');
    if (!code.startsWith(`${BANNER}\n`)) continue;
    const body = code.slice(BANNER.length);
    if (/\b(?:require|__filename|__dirname)\b/.test(body)) continue;
    writeFileSync(`${file}.tmp`, body);
    renameSync(`${file}.tmp`, file);
  }
}
// The agent was one file before it was split.
for (const old of ['dist/agent.js', 'dist/agent.js.map']) if (existsSync(old)) rmSync(old);

// Two Go programs, static (no libc) for the nodes' architecture: the health probe runs inside any
// app's container; the relay is sshd's forced command on a manager with the resident agent.
for (const [dir, what] of [['probe', 'the health probe'], ['relay', 'the relay']] as const) {
  const out = `dist/${dir}/futuswarm-${dir}`;
  const newest = Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs));
  if (existsSync(out) && statSync(out).mtimeMs >= newest) continue;
  mkdirSync(`dist/${dir}`, { recursive: true });
  try {
    execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', `../${out}.tmp`, '.'], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64' },
    });
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    process.stderr.write(`build: ${missing ? 'Go is not installed (apt-get install golang, or go.dev/dl)' : `go build of ${dir}/ failed`}; ${what} is part of the agent bundle\n`);
    process.exit(1);
  }
  renameSync(`${out}.tmp`, out);
}
