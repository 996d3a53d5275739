/**
 * The agent bundle as a bootstrap resource: which files go into it on this machine, and the
 * upload to the state bucket (SSE-KMS with the cluster key, its content hash in the object's
 * metadata so a re-run knows whether it is current). The contents are described in
 * src/core/agent-bundle.ts.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ClusterConfig } from '../config/cluster-file.ts';
import { agentBundleFiles, BUNDLE_HASH_METADATA, bundleContentHash, type BundleFile, chooseNodeBinary, ELF_HEAD_BYTES, isLinuxX64Elf, MIN_NODE_MAJOR, nodeBinaryProblem, PROBE_FILE, RELAY_FILE, tarArchive } from '../core/agent-bundle.ts';
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ResourceIds } from '../core/plan-resources.ts';
import { awsFailure } from './aws-errors.ts';
import { s3Admin } from './clients.ts';

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The bundle's files on this machine: dist/agent/ and dist/probe/ of the CLI package and a linux-x64 Node. */
export function agentBundleSources(config: ClusterConfig, packageRoot: string): BundleFile[] {
  const agentDir = join(packageRoot, 'dist', 'agent');
  const agentJs = join(agentDir, 'agent.js');
  if (!isFile(agentJs)) {
    throw new FutuswarmError('config', `the agent bundle needs ${agentJs}, which does not exist`, {
      hint: 'build the package first (npm run build) or reinstall futuswarm',
    });
  }
  const chunks = existsSync(join(agentDir, 'chunks')) ? readdirSync(join(agentDir, 'chunks')) : [];
  const agentFiles = [
    { path: 'agent.js', file: agentJs },
    ...chunks.filter((name) => name.endsWith('.js')).map((name) => ({ path: `chunks/${name}`, file: join(agentDir, 'chunks', name) })),
  ];
  const nodeBinary = chooseNodeBinary({
    configured: config.agent.nodeBinary,
    platform: process.platform,
    arch: process.arch,
    nodeVersion: process.versions.node,
    execPath: process.execPath,
  });
  // Whichever Node it is, the configured one or this CLI's own: it must start on the nodes.
  if (!isFile(nodeBinary)) throw new FutuswarmError('config', `agent.nodeBinary: ${nodeBinary} is not a file`);
  const problem = nodeBinaryProblem(readHead(nodeBinary, ELF_HEAD_BYTES));
  if (problem !== undefined) {
    const which = config.agent.nodeBinary !== undefined ? 'agent.nodeBinary' : 'the Node.js running this CLI';
    throw new FutuswarmError('config', `${which}: ${nodeBinary} ${problem}`, {
      hint: `use bin/node from the linux-x64 Node.js ${MIN_NODE_MAJOR}+ tarball of nodejs.org: set agent.nodeBinary in the cluster file`,
    });
  }
  const [probeBinary, relayBinary] = (['probe', 'relay'] as const).map((dir) => {
    const file = join(packageRoot, 'dist', dir, dir === 'probe' ? PROBE_FILE : RELAY_FILE);
    if (!isFile(file) || !isLinuxX64Elf(readHead(file, 20))) {
      throw new FutuswarmError('config', `the agent bundle needs ${dir === 'probe' ? 'the health probe' : 'the relay'} ${file}, a linux-x64 executable, and it is missing or not one`, {
        hint: 'build the package first (npm run build, which needs Go) or reinstall futuswarm',
      });
    }
    return file;
  }) as [string, string];
  return agentBundleFiles({ agentFiles, nodeBinary, probeBinary, relayBinary });
}

function readBundleFiles(files: readonly BundleFile[]): { path: string; mode: number; content: Buffer }[] {
  return files.map((f) => {
    if ('text' in f.source) return { path: f.path, mode: f.mode, content: Buffer.from(f.source.text, 'utf8') };
    try {
      return { path: f.path, mode: f.mode, content: readFileSync(f.source.file) };
    } catch (e) {
      throw new FutuswarmError('config', `cannot read ${f.source.file} for the agent bundle: ${(e as Error).message}`);
    }
  });
}

/** The content hash of the bundle these files make (what the uploaded object is compared by). */
export function agentBundleHash(files: readonly BundleFile[]): string {
  return bundleContentHash(readBundleFiles(files));
}

/** Pack the bundle and upload it, encrypted with the cluster key. */
export async function uploadAgentBundle(region: string, spec: ResolvedOf<'agent-bundle'>): Promise<ResourceIds> {
  if (spec.contentHash === null || spec.files.length === 0) {
    throw new FutuswarmError('internal', 'the agent bundle cannot be built on this machine (see agent.nodeBinary)');
  }
  const files = readBundleFiles(spec.files);
  const hash = bundleContentHash(files);
  if (hash !== spec.contentHash) {
    throw new FutuswarmError('conflict', 'the files of the agent bundle changed since the plan was made', { hint: 'run the same command again' });
  }
  const body = await promisify(gzip)(tarArchive(files, Math.floor(Date.now() / 1000)));
  const { sdk, client } = await s3Admin(region);
  try {
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: spec.bucket,
        Key: spec.key,
        Body: body,
        ContentType: 'application/gzip',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: spec.encryptionKey,
        Metadata: { [BUNDLE_HASH_METADATA]: hash },
      }),
    );
  } catch (e) {
    throw awsFailure(e, 's3:PutObject', `s3://${spec.bucket}/${spec.key}`);
  }
  return { id: spec.key };
}
