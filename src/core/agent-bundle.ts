/**
 * The agent bundle that managers install at first boot: a gzipped tar, unpacked into the
 * directory above AGENT_COMMAND (/opt/futuswarm), holding
 *
 *   bin/futuswarm-agent   the wrapper sshd runs (sources agent.env, execs node lib/agent.js)
 *   bin/futuswarm-relay   sshd's forced command when the resident agent runs (relay/, Go, static)
 *   bin/node              a linux-x64 Node.js ≥ 22
 *   lib/agent.js          the agent's entry point, and
 *   lib/chunks/*.js       the parts it loads on demand (dist/agent/ of the CLI package)
 *   lib/package.json      {"type":"module"}: the bundle is ESM
 *   probe/futuswarm-probe the static HTTP health probe, mounted read-only into tasks
 *
 * Pure: which Node binary to take, the wrapper's text, the content hash that tells bootstrap
 * whether the uploaded bundle is current, and a minimal ustar writer (no `tar` needed on the
 * admin's machine). Reading files and uploading is in src/aws/agent-bundle.ts.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { FutuswarmError } from './errors.ts';
import { AGENT_COMMAND, DAEMON_SOCKET } from './plan-cloud-init.ts';

/** Where the bundle is unpacked on a manager: the directory above bin/futuswarm-agent. */
export const AGENT_PREFIX = dirname(dirname(AGENT_COMMAND));
/** The directory of the health probe on every node (dist/probe/ of the CLI package). */
export const PROBE_DIR = `${AGENT_PREFIX}/probe`;
export const PROBE_FILE = 'futuswarm-probe';
export const RELAY_FILE = 'futuswarm-relay';
/** Where the relay is on a manager (the agent config's daemon.relayCommand). */
export const RELAY_COMMAND = `${AGENT_PREFIX}/bin/${RELAY_FILE}`;
/** S3 user metadata (x-amz-meta-…) holding the bundle's content hash. */
export const BUNDLE_HASH_METADATA = 'futuswarm-content-hash';
export const MIN_NODE_MAJOR = 22;

/** One file of the bundle: its text, or a file on the admin's machine read when packing. */
export interface BundleFile {
  path: string;
  mode: number;
  source: { text: string } | { file: string };
}

/**
 * The wrapper sshd runs; the same as scripts/local-cluster.sh installs. sshd asks about every
 * key a client offers, at every new connection: where the resident agent runs, the relay asks
 * it (about 10 ms, its LDAP connection and key cache warm, where an agent start takes 200) and, should it not answer, starts
 * this wrapper again to ask the agent directly (FUTUSWARM_AUTHORIZED_KEYS_DIRECT).
 */
export function agentWrapperScript(prefix = AGENT_PREFIX, etc = '/etc/futuswarm'): string {
  return [
    '#!/bin/sh',
    `set -a; [ -r ${etc}/agent.env ] && . ${etc}/agent.env; set +a`,
    `socket=\${FUTUSWARM_DAEMON_SOCKET:-${DAEMON_SOCKET}}`,
    'if [ "$1" = authorized-keys ] && [ $# -eq 4 ] && [ -z "$FUTUSWARM_AUTHORIZED_KEYS_DIRECT" ] && [ -S "$socket" ]; then',
    `  exec ${prefix}/bin/${RELAY_FILE} --socket "$socket" --authorized-keys "$2" "$3" "$4" --fallback ${prefix}/bin/futuswarm-agent`,
    'fi',
    '# Compiled code is cached across runs: every SSH request starts the agent afresh.',
    '[ -w /var/cache/futuswarm/node-compile-cache ] && export NODE_COMPILE_CACHE=/var/cache/futuswarm/node-compile-cache',
    `exec ${prefix}/bin/node ${prefix}/lib/agent.js "$@"`,
    '',
  ].join('\n');
}

export const AGENT_PACKAGE_JSON = '{ "type": "module" }\n';

/**
 * The files of the bundle, given the built agent (dist/agent/: agent.js and chunks/, as paths
 * relative to it and where they are on this machine) and the Node binary. Chunks come before
 * agent.js, so an agent started while the bundle is unpacked finds every chunk it names.
 */
export function agentBundleFiles(sources: { agentFiles: readonly { path: string; file: string }[]; nodeBinary: string; probeBinary: string; relayBinary: string }): BundleFile[] {
  const js = sources.agentFiles.filter((f) => /^(agent\.js|chunks\/[\w.-]+\.js)$/.test(f.path));
  if (!js.some((f) => f.path === 'agent.js')) throw new FutuswarmError('config', 'the built agent has no agent.js', { hint: 'npm run build' });
  const order = (path: string) => (path === 'agent.js' ? 1 : 0);
  return [
    { path: 'bin/futuswarm-agent', mode: 0o755, source: { text: agentWrapperScript() } },
    { path: `bin/${RELAY_FILE}`, mode: 0o755, source: { file: sources.relayBinary } },
    { path: 'bin/node', mode: 0o755, source: { file: sources.nodeBinary } },
    ...js
      .toSorted((a, b) => order(a.path) - order(b.path) || a.path.localeCompare(b.path))
      .map((f): BundleFile => ({ path: `lib/${f.path}`, mode: 0o644, source: { file: f.file } })),
    { path: 'lib/package.json', mode: 0o644, source: { text: AGENT_PACKAGE_JSON } },
    { path: `probe/${PROBE_FILE}`, mode: 0o755, source: { file: sources.probeBinary } },
  ];
}

/**
 * Which Node binary goes into the bundle: `agent.nodeBinary` from the cluster file when set
 * (an explicit choice wins), else the Node running the CLI when it can run on the nodes.
 */
export function chooseNodeBinary(input: {
  configured: string | undefined;
  platform: string;
  arch: string;
  nodeVersion: string;
  execPath: string;
}): string {
  if (input.configured !== undefined) return input.configured;
  const major = Number(input.nodeVersion.replace(/^v/, '').split('.')[0]);
  if (input.platform === 'linux' && input.arch === 'x64' && major >= MIN_NODE_MAJOR) return input.execPath;
  throw new FutuswarmError('config', `agent.nodeBinary: the agent bundle needs a linux-x64 Node.js ${MIN_NODE_MAJOR} or later, and this CLI runs on ${input.platform}-${input.arch} Node ${input.nodeVersion}`, {
    hint: 'download the linux-x64 Node.js tarball from nodejs.org and set agent.nodeBinary in the cluster file to the path of its bin/node',
  });
}

/** ELF, 64-bit, x86-64: what a linux-x64 `node` starts with. */
export function isLinuxX64Elf(head: Uint8Array): boolean {
  return head.length >= 20 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46 && head[4] === 2 && head[18] === 0x3e && head[19] === 0;
}

/** The dynamic loader glibc's x86-64 programs name: what Debian, Ubuntu and Amazon Linux have. */
export const GLIBC_X64_LOADER = '/lib64/ld-linux-x86-64.so.2';
/** How much of a binary elfInterpreter needs: the program headers and the loader's path. */
export const ELF_HEAD_BYTES = 64 * 1024;

/**
 * The dynamic loader a 64-bit little-endian ELF file asks for (PT_INTERP), `null` when it is
 * static, undefined when `head` is no such file or ends before the answer.
 */
export function elfInterpreter(head: Uint8Array): string | null | undefined {
  if (!isLinuxX64Elf(head) || head[5] !== 1 || head.length < 64) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const phoff = Number(view.getBigUint64(32, true));
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 40 > head.length) return undefined;
    if (view.getUint32(at, true) !== 3) continue; // PT_INTERP
    const offset = Number(view.getBigUint64(at + 8, true));
    const size = Number(view.getBigUint64(at + 32, true));
    if (offset + size > head.length) return undefined;
    return Buffer.from(head.subarray(offset, offset + size)).toString('latin1').replace(/\0+$/, '');
  }
  return null;
}

/**
 * Why a binary cannot run on the nodes (Debian-like linux-x64 with glibc), or undefined when it
 * can: another architecture, or a C library other than glibc (musl, a Nix store path).
 */
export function nodeBinaryProblem(head: Uint8Array): string | undefined {
  if (!isLinuxX64Elf(head)) return 'is not a linux-x64 executable (ELF, x86-64)';
  const interpreter = elfInterpreter(head);
  if (interpreter === undefined) return 'is a damaged or unusual ELF file';
  if (interpreter !== null && interpreter !== GLIBC_X64_LOADER) return `needs the dynamic loader ${interpreter}, which the nodes do not have (they have glibc's, ${GLIBC_X64_LOADER})`;
  return undefined;
}

/** Hash of the bundle's files (paths, modes, contents): equal hashes, equal bundles. */
export function bundleContentHash(files: readonly { path: string; mode: number; content: Uint8Array }[]): string {
  const outer = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const inner = createHash('sha256').update(f.content).digest('hex');
    outer.update(`${f.path}\0${f.mode.toString(8)}\0${inner}\n`);
  }
  return `sha256:${outer.digest('hex')}`;
}

// ───────────────────────────── tar ─────────────────────────────

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, mode: number, size: number, type: '0' | '5', mtime: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new FutuswarmError('internal', `tar entry name too long: ${name}`);
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid root
  h.write(octal(0, 8), 116, 'ascii'); // gid root
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/**
 * A POSIX ustar archive of `files`, owned by root, with a directory entry (0755) for every
 * parent directory. Names must fit the 100-byte name field.
 */
export function tarArchive(files: readonly { path: string; mode: number; content: Uint8Array }[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const f of files) {
    const segments = f.path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = `${segments.slice(0, i).join('/')}/`;
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      parts.push(header(dir, 0o755, 0, '5', mtime));
    }
    parts.push(header(f.path, f.mode, f.content.length, '0', mtime), Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength));
    const pad = (512 - (f.content.length % 512)) % 512;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A content hash or image digest as people compare them: its first 12 hex digits ('none' for none). */
export function shortHash(hash: string | null | undefined): string {
  return hash == null ? 'none' : hash.replace(/^sha256:/, '').slice(0, 12);
}
