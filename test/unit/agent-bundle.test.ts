import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { agentBundleSources } from '../../src/aws/agent-bundle.ts';
import { parseClusterConfig } from '../../src/config/cluster-file.ts';
import { AGENT_PACKAGE_JSON, AGENT_PREFIX, agentBundleFiles, agentWrapperScript, bundleContentHash, chooseNodeBinary, elfInterpreter, isLinuxX64Elf, nodeBinaryProblem, tarArchive } from '../../src/core/agent-bundle.ts';
import { FutuswarmError } from '../../src/core/errors.ts';
import { AGENT_COMMAND } from '../../src/core/plan-cloud-init.ts';

test('the wrapper sources agent.env and execs the bundled node; sshd\'s key question goes to the relay while the daemon\'s socket is there', async () => {
  assert.equal(`${AGENT_PREFIX}/bin/futuswarm-agent`, AGENT_COMMAND);
  assert.deepEqual(JSON.parse(AGENT_PACKAGE_JSON), { type: 'module' });
  // The real script, with stand-ins for node and the relay that say how they were started.
  const prefix = mkdtempSync(join(tmpdir(), 'fs-wrapper-'));
  const etc = join(prefix, 'etc');
  for (const dir of ['bin', 'etc']) execFileSync('mkdir', ['-p', join(prefix, dir)]);
  const socket = join(prefix, 'agent.sock');
  writeFileSync(join(etc, 'agent.env'), `FUTUSWARM_DAEMON_SOCKET=${socket}\nGREETING=from-env\n`);
  writeFileSync(join(prefix, 'bin', 'node'), '#!/bin/sh\necho "node $* $GREETING"\n', { mode: 0o755 });
  writeFileSync(join(prefix, 'bin', 'futuswarm-relay'), '#!/bin/sh\necho "relay $*"\n', { mode: 0o755 });
  const wrapper = join(prefix, 'bin', 'futuswarm-agent');
  writeFileSync(wrapper, agentWrapperScript(prefix, etc), { mode: 0o755 });
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => execFileSync(wrapper, args, { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } }).trim();
  const keyQuestion = ['authorized-keys', 'futuswarm', 'ssh-ed25519', 'AAAAC3Nz'];

  // No daemon: the agent answers everything.
  assert.equal(run(keyQuestion), `node ${prefix}/lib/agent.js authorized-keys futuswarm ssh-ed25519 AAAAC3Nz from-env`);
  // A daemon's socket: the relay asks it, and falls back to this wrapper, which then asks the agent.
  const server = createServer();
  await new Promise<void>((listening) => server.listen(socket, listening));
  assert.equal(run(keyQuestion), `relay --socket ${socket} --authorized-keys futuswarm ssh-ed25519 AAAAC3Nz --fallback ${wrapper}`);
  assert.equal(run(keyQuestion, { FUTUSWARM_AUTHORIZED_KEYS_DIRECT: '1' }), `node ${prefix}/lib/agent.js authorized-keys futuswarm ssh-ed25519 AAAAC3Nz from-env`);
  // Everything else is the agent's, socket or not.
  assert.equal(run(['serve', '--user', 'alice']), `node ${prefix}/lib/agent.js serve --user alice from-env`);
  assert.equal(run(['authorized-keys', 'futuswarm']), `node ${prefix}/lib/agent.js authorized-keys futuswarm from-env`);
  await new Promise((closed) => server.close(closed));
  rmSync(prefix, { recursive: true, force: true });
});

test('the node binary: the configured one, else the running node on linux-x64 ≥ 22, else a config error naming agent.nodeBinary', () => {
  const base = { configured: undefined, platform: 'linux', arch: 'x64', nodeVersion: '24.11.1', execPath: '/usr/bin/node' };
  assert.equal(chooseNodeBinary(base), '/usr/bin/node');
  assert.equal(chooseNodeBinary({ ...base, configured: '/tmp/node-v24-linux-x64/bin/node' }), '/tmp/node-v24-linux-x64/bin/node');
  for (const other of [{ platform: 'darwin' }, { arch: 'arm64' }, { nodeVersion: '20.18.0' }]) {
    assert.throws(
      () => chooseNodeBinary({ ...base, ...other }),
      (e: unknown) => e instanceof FutuswarmError && e.code === 'config' && e.message.startsWith('agent.nodeBinary: ') && /nodejs\.org/.test(e.hint ?? ''),
    );
  }
});

test('a configured node binary must be a linux-x64 ELF file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-bundle-'));
  const elf = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(elf);
  elf[18] = 0x3e;
  assert.equal(isLinuxX64Elf(elf), true);
  const arm = Buffer.from(elf);
  arm[18] = 0xb7;
  assert.equal(isLinuxX64Elf(arm), false);
  assert.equal(isLinuxX64Elf(Buffer.from('#!/bin/sh\n')), false);

  const root = join(dir, 'pkg');
  execFileSync('mkdir', ['-p', join(root, 'dist', 'agent', 'chunks')]);
  writeFileSync(join(root, 'dist', 'agent', 'agent.js'), 'export {};\n');
  writeFileSync(join(root, 'dist', 'agent', 'chunks', 'serve-AB12CD34.js'), 'export {};\n');
  writeFileSync(join(root, 'dist', 'agent', 'chunks', 'serve-AB12CD34.js.map'), '{}');
  writeFileSync(join(dir, 'node-arm'), arm);
  writeFileSync(join(dir, 'node'), elf);
  execFileSync('mkdir', ['-p', join(root, 'dist', 'probe')]);
  const config = (nodeBinary: string) =>
    parseClusterConfig({ name: 'prod', region: 'eu-north-1', domain: 'apps.example.com', network: { sshCidrs: ['203.0.113.0/24'] }, agent: { nodeBinary }, access: { admins: ['alice'], users: { alice: { keys: [] } } } });
  assert.throws(() => agentBundleSources(config(join(dir, 'node-arm')), root), /agent\.nodeBinary: .* is not a linux-x64 executable/);
  assert.throws(() => agentBundleSources(config(join(dir, 'missing')), root), /agent\.nodeBinary: .* is not a file/);
  assert.throws(() => agentBundleSources(config(join(dir, 'node')), dir), (e: unknown) => e instanceof FutuswarmError && e.code === 'config' && /npm run build/.test(e.hint ?? ''));
  // The health probe runs inside tasks on the nodes: it must be there, and linux-x64.
  assert.throws(() => agentBundleSources(config(join(dir, 'node')), root), (e: unknown) => e instanceof FutuswarmError && /health probe .*futuswarm-probe/.test(e.message) && /Go/.test(e.hint ?? ''));
  writeFileSync(join(root, 'dist', 'probe', 'futuswarm-probe'), arm);
  assert.throws(() => agentBundleSources(config(join(dir, 'node')), root), /not one/);
  writeFileSync(join(root, 'dist', 'probe', 'futuswarm-probe'), elf);
  // So is the relay, sshd's forced command on managers with the resident agent.
  execFileSync('mkdir', ['-p', join(root, 'dist', 'relay')]);
  assert.throws(() => agentBundleSources(config(join(dir, 'node')), root), (e: unknown) => e instanceof FutuswarmError && /relay .*futuswarm-relay/.test(e.message));
  writeFileSync(join(root, 'dist', 'relay', 'futuswarm-relay'), elf);
  const files = agentBundleSources(config(join(dir, 'node')), root);
  // Chunks before the entry point that names them; source maps stay behind.
  assert.deepEqual(files.map((f) => [f.path, f.mode.toString(8)]), [
    ['bin/futuswarm-agent', '755'], ['bin/futuswarm-relay', '755'], ['bin/node', '755'], ['lib/chunks/serve-AB12CD34.js', '644'], ['lib/agent.js', '644'], ['lib/package.json', '644'],
    ['probe/futuswarm-probe', '755'],
  ]);
});

test('the tarball unpacks with tar into root-owned 755 directories and the files with their modes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-tar-'));
  const agentJs = join(dir, 'agent.js');
  const chunk = join(dir, 'chunk.js');
  const node = join(dir, 'node');
  writeFileSync(agentJs, 'console.log("agent");\n'.repeat(100));
  writeFileSync(chunk, 'export const x = 1;\n');
  writeFileSync(node, Buffer.alloc(1025, 7));
  const probe = join(dir, 'probe');
  writeFileSync(probe, Buffer.alloc(700, 9));
  const relay = join(dir, 'relay');
  writeFileSync(relay, Buffer.alloc(300, 5));
  const agentFiles = [{ path: 'agent.js', file: agentJs }, { path: 'chunks/x-ABC.js', file: chunk }];
  const files = agentBundleFiles({ agentFiles, nodeBinary: node, probeBinary: probe, relayBinary: relay }).map((f) => ({ path: f.path, mode: f.mode, content: 'text' in f.source ? Buffer.from(f.source.text) : readFileSync(f.source.file) }));
  const archive = join(dir, 'bundle.tar.gz');
  writeFileSync(archive, gzipSync(tarArchive(files, 1_700_000_000)));

  const listing = execFileSync('tar', ['-tvzf', archive], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(
    listing.map((l) => {
      const [mode, owner, size] = l.split(/\s+/);
      return [mode, owner, size, l.split(/\s+/).at(-1)];
    }),
    [
      ['drwxr-xr-x', 'root/root', '0', 'bin/'],
      ['-rwxr-xr-x', 'root/root', String(Buffer.byteLength(agentWrapperScript())), 'bin/futuswarm-agent'],
      ['-rwxr-xr-x', 'root/root', '300', 'bin/futuswarm-relay'],
      ['-rwxr-xr-x', 'root/root', '1025', 'bin/node'],
      ['drwxr-xr-x', 'root/root', '0', 'lib/'],
      ['drwxr-xr-x', 'root/root', '0', 'lib/chunks/'],
      ['-rw-r--r--', 'root/root', '20', 'lib/chunks/x-ABC.js'],
      ['-rw-r--r--', 'root/root', '2200', 'lib/agent.js'],
      ['-rw-r--r--', 'root/root', String(AGENT_PACKAGE_JSON.length), 'lib/package.json'],
      ['drwxr-xr-x', 'root/root', '0', 'probe/'],
      ['-rwxr-xr-x', 'root/root', '700', 'probe/futuswarm-probe'],
    ],
  );
  const out = join(dir, 'out');
  execFileSync('mkdir', [out]);
  execFileSync('tar', ['-xzf', archive, '-C', out, '--no-same-owner']);
  assert.equal(readFileSync(join(out, 'bin', 'futuswarm-agent'), 'utf8'), agentWrapperScript());
  assert.deepEqual(readFileSync(join(out, 'bin', 'node')), Buffer.alloc(1025, 7));
  assert.equal(statSync(join(out, 'bin', 'futuswarm-agent')).mode & 0o777, 0o755);
  assert.equal(statSync(join(out, 'lib')).mode & 0o777, 0o755);
  assert.equal(statSync(join(out, 'lib', 'chunks')).mode & 0o777, 0o755);
});

test('the content hash changes with any content, path or mode, and not with order', () => {
  const a = { path: 'lib/agent.js', mode: 0o644, content: Buffer.from('a') };
  const b = { path: 'bin/node', mode: 0o755, content: Buffer.from('b') };
  const hash = bundleContentHash([a, b]);
  assert.match(hash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(bundleContentHash([b, a]), hash);
  assert.notEqual(bundleContentHash([{ ...a, content: Buffer.from('A') }, b]), hash);
  assert.notEqual(bundleContentHash([{ ...a, mode: 0o755 }, b]), hash);
  assert.notEqual(bundleContentHash([{ ...a, path: 'lib/agent.mjs' }, b]), hash);
});

/** A minimal 64-bit little-endian x86-64 ELF header with one PT_INTERP program header, or none. */
function elfWith(interpreter: string | null): Buffer {
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header);
  header.writeUInt16LE(0x3e, 18);
  if (interpreter === null) return header;
  header.writeBigUInt64LE(64n, 32); // e_phoff
  header.writeUInt16LE(56, 54); // e_phentsize
  header.writeUInt16LE(1, 56); // e_phnum
  const ph = Buffer.alloc(56);
  const path = Buffer.from(`${interpreter}\0`, 'latin1');
  ph.writeUInt32LE(3, 0); // PT_INTERP
  ph.writeBigUInt64LE(120n, 8);
  ph.writeBigUInt64LE(BigInt(path.length), 32);
  return Buffer.concat([header, ph, path]);
}

test('a Node for the nodes must be linux-x64 and either static or built for glibc, which the nodes have', () => {
  assert.equal(elfInterpreter(elfWith('/lib64/ld-linux-x86-64.so.2')), '/lib64/ld-linux-x86-64.so.2');
  assert.equal(elfInterpreter(elfWith(null)), null);
  assert.equal(nodeBinaryProblem(elfWith('/lib64/ld-linux-x86-64.so.2')), undefined);
  assert.equal(nodeBinaryProblem(elfWith(null)), undefined);
  assert.equal(nodeBinaryProblem(elfWith('/lib/ld-musl-x86_64.so.1')), 'needs the dynamic loader /lib/ld-musl-x86_64.so.1, which the nodes do not have (they have glibc\'s, /lib64/ld-linux-x86-64.so.2)');
  assert.match(nodeBinaryProblem(elfWith('/nix/store/abc-glibc-2.39/lib/ld-linux-x86-64.so.2')) ?? '', /needs the dynamic loader \/nix\/store/);
  const arm = elfWith(null);
  arm.writeUInt16LE(0xb7, 18);
  assert.equal(nodeBinaryProblem(arm), 'is not a linux-x64 executable (ELF, x86-64)');
  // Cut before the loader's path: not guessed.
  assert.equal(nodeBinaryProblem(elfWith('/lib64/ld-linux-x86-64.so.2').subarray(0, 100)), 'is a damaged or unusual ELF file');
  // The real ones: the Node npm ships for this project, and the health probe.
  for (const file of [process.execPath, 'dist/probe/futuswarm-probe']) assert.equal(nodeBinaryProblem(readFileSync(file).subarray(0, 65536)), undefined, file);
});
