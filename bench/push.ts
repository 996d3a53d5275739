/**
 * `futuswarm app:push` against `docker push` straight to a registry of the same build, storage
 * and auth: Distribution v3 on moto's S3 with htpasswd, on this machine's loopback. Each round
 * builds a fresh ~100 MB image of several layers and pushes it both ways, in alternating order,
 * into cold repositories (a new app; a new storage prefix and port for the baseline, so Docker
 * cannot mount layers from an earlier round). Then an unchanged image is pushed again, which
 * must upload nothing. Prints medians; the last line is the ratio.
 * Usage: npm run bench:push [-- <rounds>]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';

// moto, as the local cluster's agent reaches it (/etc/futuswarm/agent.env).
const s3 = new S3Client({ endpoint: 'http://127.0.0.1:5055', region: 'eu-north-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

/** Every version of every object under `prefix`. */
async function deleteAll(bucket: string, prefix: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
    const all = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
    if (all.length === 0) return;
    for (const v of all) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
  }
}

/** The bench's layers in the cluster registry's storage: random, so no other image shares them. */
async function deleteBenchBlobs(apps: readonly string[]): Promise<void> {
  const root = 'registry/docker/registry/v2';
  const blobs = new Set<string>();
  for (const app of apps) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: STATE_BUCKET, Prefix: `${root}/repositories/${app}/_layers/sha256/` }));
    for (const v of page.Versions ?? []) {
      const hex = /_layers\/sha256\/([a-f0-9]{64})\/link$/.exec(v.Key ?? '')?.[1];
      if (hex) blobs.add(hex);
    }
  }
  // The base image's layer is everyone's: keep it.
  const base = execFileSync('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'localhost/hello:1'], { encoding: 'utf8' });
  for (const hex of blobs) {
    if (base.includes(hex)) continue;
    await deleteAll(STATE_BUCKET, `${root}/blobs/sha256/${hex.slice(0, 2)}/${hex}/`);
  }
  for (const app of apps) await deleteAll(STATE_BUCKET, `${root}/repositories/${app}/`);
}

const rounds = Number(process.argv[2] ?? 5);
const cli = fileURLToPath(new URL('../bin/futuswarm.cjs', import.meta.url));
const run = Date.now().toString(36);
const MOTO = process.env.FUTUSWARM_REGISTRY_S3 ?? 'http://10.231.0.1:5055';
const STATE_BUCKET = 'futuswarm-local-state';
/** The baseline's own bucket, removed at the end (moto keeps every byte it is given). */
const BUCKET = `futuswarm-bench-push-${run}`;
const USER = 'bench';
const PASSWORD = `bench-${run}-${Math.random().toString(36).slice(2)}`;
const LAYERS = 3;
const LAYER_MB = 33;

const work = mkdtempSync(join(tmpdir(), 'futuswarm-bench-push-'));
const dockerConfig = join(work, 'docker-config');
mkdirSync(dockerConfig);
writeFileSync(join(work, 'htpasswd'), `${USER}:${bcrypt.hashSync(PASSWORD, 5)}\n`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
function timed(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${file} ${args.slice(0, 5).join(' ')} … exited ${r.status}: ${r.stderr}${r.stdout}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const docker = (args: string[], input?: string, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync('docker', args, { encoding: 'utf8', env, ...(input !== undefined ? { input } : { stdio: ['ignore', 'pipe', 'inherit'] }) }).trim();

/** The baseline: the registry image the cluster runs, same S3, htpasswd auth, a port and prefix of its own. */
function startBaseline(port: number, prefix: string): string {
  writeFileSync(join(work, `config-${port}.yml`), JSON.stringify({
    version: 0.1,
    log: { level: 'warn' },
    storage: {
      s3: { region: 'eu-north-1', bucket: BUCKET, rootdirectory: `/${prefix}`, regionendpoint: MOTO, forcepathstyle: true, secure: false, accesskey: 'testing', secretkey: 'testing' },
      delete: { enabled: true },
      redirect: { disable: true },
      cache: { blobdescriptor: 'inmemory' },
    },
    http: { addr: `127.0.0.1:${port}`, secret: run, relativeurls: true },
    auth: { htpasswd: { realm: 'bench', path: '/bench/htpasswd' } },
  }));
  const id = docker(['run', '-d', '--rm', '--network', 'host', '-e', 'OTEL_TRACES_EXPORTER=none', '-v', `${work}:/bench:ro`,
    'localhost/registry:v3.1.2', 'serve', `/bench/config-${port}.yml`]);
  for (let i = 0; i < 100; i++) {
    const code = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/v2/`], { encoding: 'utf8' }).stdout;
    if (code === '401') break;
    spawnSync('sleep', ['0.1']);
  }
  docker(['login', `127.0.0.1:${port}`, '-u', USER, '--password-stdin'], PASSWORD, { ...process.env, DOCKER_CONFIG: dockerConfig });
  return id;
}

function buildImage(tag: string, round: number): void {
  const dir = join(work, `ctx-${round}`);
  mkdirSync(dir, { recursive: true });
  const steps = Array.from({ length: LAYERS }, (_, k) => `RUN head -c ${LAYER_MB * 1024 * 1024} /dev/urandom > /layer-${k}.bin`);
  writeFileSync(join(dir, 'Dockerfile'), `FROM localhost/hello:1\nRUN echo ${run}-${round} > /round\n${steps.join('\n')}\n`);
  execFileSync('docker', ['build', '-q', '-t', tag, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
}

await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-north-1' } }));
const apps: string[] = [];
const containers: string[] = [];
const ours: number[] = [];
const theirs: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const image = `futuswarm-bench/push:${run}-${i}`;
    buildImage(image, i);
    const app = `bench-push-${run}-${i}`;
    apps.push(app);
    const port = 5010 + i;
    containers.push(startBaseline(port, `bench-registry-${run}-${i}`));
    const baselineRef = `127.0.0.1:${port}/bench/push:${i}`;
    docker(['tag', image, baselineRef]);
    const pushOurs = () => ours.push(timed(process.execPath, [cli, '--context', 'local', '-q', 'app:push', '-n', app, '-i', image]));
    const pushTheirs = () => theirs.push(timed('docker', ['push', '-q', baselineRef], { ...process.env, DOCKER_CONFIG: dockerConfig }));
    if (i % 2 === 0) {
      pushOurs();
      pushTheirs();
    } else {
      pushTheirs();
      pushOurs();
    }
    process.stderr.write(`round ${i + 1}/${rounds}: app:push ${ours.at(-1)!.toFixed(0)} ms, docker push ${theirs.at(-1)!.toFixed(0)} ms\n`);
  }
  const again: number[] = [];
  for (let k = 0; k < 3; k++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, '--context', 'local', 'app:push', '-n', apps[0]!, '-i', `futuswarm-bench/push:${run}-0`], { encoding: 'utf8' });
    again.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(`second push failed: ${r.stderr}`);
    if (/: Pushed$/m.test(r.stderr)) throw new Error(`the second push uploaded a layer:\n${r.stderr}`);
  }
  console.log(`push of a fresh ${LAYERS * LAYER_MB} MB image (${LAYERS} layers + base), ${rounds} rounds, cold repositories, registry on moto S3`);
  console.log(`docker push (baseline) median ${median(theirs).toFixed(0)} ms`);
  console.log(`futuswarm app:push     median ${median(ours).toFixed(0)} ms`);
  console.log(`unchanged image again  median ${median(again).toFixed(0)} ms (no layer uploaded; goal <= 1000 ms)`);
  console.log(`ratio ${(median(ours) / median(theirs)).toFixed(2)}x (futuswarm app:push against docker push to the same registry build and storage; goal <= 1.3x)`);
} finally {
  for (const c of containers) spawnSync('docker', ['rm', '-f', c], { stdio: 'ignore' });
  for (const app of apps) spawnSync(process.execPath, [cli, '--context', 'local', '-q', 'app:remove', '-n', app, '--purge', '--confirm', app], { stdio: 'ignore' });
  spawnSync('sh', ['-c', `docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^(futuswarm-bench/push|127.0.0.1:501[0-9]/bench/push):' | xargs -r docker image rm -f`], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
  await deleteBenchBlobs(apps).catch((e: Error) => process.stderr.write(`could not delete the bench's layers: ${e.message}\n`));
  await deleteAll(BUCKET, '').then(() => s3.send(new DeleteBucketCommand({ Bucket: BUCKET }))).catch((e: Error) => process.stderr.write(`could not delete ${BUCKET}: ${e.message}\n`));
}
