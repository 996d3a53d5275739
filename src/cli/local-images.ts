/**
 * Images on the user's own machine: `docker build` with their Docker Engine (BuildKit), and a
 * push into an app's repository of the cluster registry (docs/decisions.md, "Pushing images").
 *
 * A push listens on 127.0.0.1:<random port> here; every connection Docker opens to it is
 * carried over the SSH connection to the agent, which speaks to the registry on the manager
 * for this one app (src/agent/push-relay.ts). The user's `docker push 127.0.0.1:<port>/<app>`
 * does the upload, with its layer de-duplication, parallelism and progress. Docker speaks plain
 * HTTP to a loopback registry without any setting; no credential reaches this machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import { FutuswarmError } from '../core/errors.ts';
import { imageTag, splitImageReference } from '../core/names.ts';
import type { CommandContext } from './command.ts';

export interface PushedImage {
  app: string;
  /** What nodes pull: 127.0.0.1:<registry port>/<app>@sha256:… */
  reference: string;
  repository: string;
  digest: string;
  tag: string;
}

export interface BuildOptions {
  dir: string;
  dockerfile?: string | undefined;
  buildArgs?: readonly string[] | undefined;
  target?: string | undefined;
  /** Local name the result gets, e.g. futuswarm/shop:build-20261204-101500. */
  name: string;
}

/** Runs the docker CLI; its output goes to our stderr (unless quiet) and is also returned. */
function docker(ctx: CommandContext, args: readonly string[], options: { show?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; output: string }> {
  const show = options.show !== false && !ctx.globals.quiet;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.env.FUTUSWARM_DOCKER_CLI ?? 'docker', args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let output = '';
    const take = (chunk: Buffer) => {
      if (output.length < 1024 * 1024) output += chunk.toString('utf8');
      if (show) ctx.io.relay('stderr', chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (e) =>
      reject(new FutuswarmError('invalid_input', `cannot run docker: ${e.message}`, { hint: 'install Docker (the docker CLI and a running Docker Engine) on this machine' })),
    );
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

/** `docker build`; fails with the build's own last lines when a step fails. */
export async function buildImage(ctx: CommandContext, o: BuildOptions): Promise<string> {
  const dir = resolve(o.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new FutuswarmError('invalid_input', `--build: ${o.dir} is not a directory`, { hint: 'name the directory with the Dockerfile, e.g. --build .' });
  }
  const dockerfile = o.dockerfile !== undefined ? resolve(dir, o.dockerfile) : resolve(dir, 'Dockerfile');
  if (!existsSync(dockerfile) || !statSync(dockerfile).isFile()) {
    throw new FutuswarmError('invalid_input', `--dockerfile: there is no ${o.dockerfile ?? 'Dockerfile'} in ${dir}`, {
      hint: 'add a Dockerfile, or name it with --dockerfile',
    });
  }
  const args = ['build', '-f', dockerfile, '-t', o.name];
  for (const arg of o.buildArgs ?? []) args.push('--build-arg', arg);
  if (o.target) args.push('--target', o.target);
  args.push('--', dir);
  ctx.io.progress(`building ${o.name} from ${dir}`);
  // The docker CLI picks the builder: BuildKit (buildx) where it is installed, as on Docker 23+.
  const result = await docker(ctx, args);
  if (result.code !== 0) {
    throw new FutuswarmError('docker', `the build failed (docker build exited ${result.code}); nothing was pushed or deployed`, {
      hint: 'fix the Dockerfile or the build context; the build output is above',
      details: { output: lastLines(result.output, 20) },
    });
  }
  return o.name;
}

/** Push a local image into the app's repository; resolves with what nodes will pull. */
export async function pushImage(ctx: CommandContext, app: string, localRef: string, tag?: string): Promise<PushedImage> {
  const inspected = await docker(ctx, ['image', 'inspect', '--format', '{{json .RepoTags}}', localRef], { show: false });
  if (inspected.code !== 0) {
    throw new FutuswarmError('invalid_input', `there is no image ${localRef} in your local Docker`, { hint: 'build it first, or use --build DIR' });
  }
  const localTags = JSON.parse(inspected.output.trim() || '[]') as string[] | null;
  const pushTag = tag ?? tagOf(localRef) ?? 'latest';
  const checked = imageTag.safeParse(pushTag);
  if (!checked.success) throw new FutuswarmError('invalid_input', `--tag: ${checked.error.issues[0]?.message ?? 'bad tag'}`);

  const start = (await ctx.agent('app.push.start', { app }, { app: '--name' })) as { registry: string; repository: string };
  const server = await relayServer(ctx, app);
  const port = (server.address() as net.AddressInfo).port;
  const local = `127.0.0.1:${port}/${app}:${pushTag}`;
  try {
    ctx.io.progress(`pushing ${localRef} into ${start.registry}/${app}:${pushTag}`);
    if ((await docker(ctx, ['tag', localRef, local], { show: false })).code !== 0) {
      throw new FutuswarmError('docker', `docker tag ${localRef} failed`);
    }
    const pushed = await docker(ctx, ['push', local]);
    if (pushed.code !== 0) {
      throw new FutuswarmError('docker', `the push into ${app} failed (docker push exited ${pushed.code}); nothing was deployed`, {
        hint: pushHint(pushed.output, app),
        details: { output: lastLines(pushed.output, 10) },
      });
    }
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.output)?.[1];
    if (!digest) throw new FutuswarmError('protocol', 'docker push did not report the digest of what it pushed');
    return { app, reference: `${start.registry}/${app}@${digest}`, repository: `${start.registry}/${app}`, digest, tag: pushTag };
  } finally {
    // The temporary name only; the image stays under the names it had.
    if ((localTags ?? []).length > 0) await docker(ctx, ['image', 'rm', '--no-prune', local], { show: false }).catch(() => undefined);
    await server.shut();
  }
}

function tagOf(ref: string): string | undefined {
  if (/^(sha256:)?[a-f0-9]{12,64}$/.test(ref)) return undefined;
  return splitImageReference(ref).tag;
}

function pushHint(output: string, app: string): string {
  if (/denied|forbidden|unauthorized/i.test(output)) return `you may not push into ${app}: its owners and admins may (futuswarm app:owners -n ${app})`;
  return 'see docker push\'s output above; run again with -v for SSH details';
}

function lastLines(text: string, n: number): string[] {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-n);
}

interface RelayServer extends net.Server {
  shut(): Promise<void>;
}

/** A loopback listener whose every connection is an app.push.relay over SSH. */
async function relayServer(ctx: CommandContext, app: string): Promise<RelayServer> {
  const open = new Set<{ end(): void }>();
  const server = net.createServer((socket) => {
    socket.pause();
    ctx
      .relay('app.push.relay', { app })
      .then((relay) => {
        const entry = { end: () => relay.child.kill('SIGTERM') };
        open.add(entry);
        if (relay.head.length > 0) socket.write(relay.head);
        socket.pipe(relay.input);
        relay.output.pipe(socket);
        relay.output.resume();
        socket.resume();
        socket.on('error', () => relay.child.kill('SIGTERM'));
        relay.child.on('close', () => {
          open.delete(entry);
          socket.end();
        });
      })
      .catch((e: Error) => {
        ctx.io.debug(`push relay refused: ${e.message}`);
        socket.destroy();
      });
  }) as RelayServer;
  server.shut = async () => {
    for (const relay of open) relay.end();
    await new Promise<void>((done) => server.close(() => done()));
  };
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  return server;
}
