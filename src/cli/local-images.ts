/**
 * Images on the user's own machine: `docker build` with their Docker Engine (BuildKit), and a
 * push into an app's repository of the cluster registry (docs/decisions.md, "Pushing images").
 *
 * A push listens on 127.0.0.1:<random port> here; every connection Docker opens to it is
 * carried over one SSH channel to one agent process (src/relay-mux.ts), which speaks to the
 * registry on the manager for this one app (src/agent/push-relay.ts). The user's `docker push 127.0.0.1:<port>/<app>`
 * does the upload, with its layer de-duplication, parallelism and progress. Docker speaks plain
 * HTTP to a loopback registry without any setting; no credential reaches this machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { resolve } from 'node:path';
import { FutuswarmError } from '../core/errors.ts';
import { imageTag, splitImageReference } from '../core/names.ts';
import type { CommandContext } from './command.ts';
import { StreamMux } from '../relay-mux.ts';
import type { Relay } from '../ssh/agent-relay.ts';

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
function docker(ctx: CommandContext, args: readonly string[], options: { show?: boolean; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<{ code: number; output: string }> {
  const show = options.show !== false && !ctx.globals.quiet;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.env.FUTUSWARM_DOCKER_CLI ?? 'docker', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.signal ? { signal: options.signal, killSignal: 'SIGTERM' as const } : {}),
    });
    let output = '';
    const take = (chunk: Buffer) => {
      if (output.length < 1024 * 1024) output += chunk.toString('utf8');
      if (show) ctx.io.relay('stderr', chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (e) =>
      options.signal?.aborted ? resolvePromise({ code: 130, output }) : reject(new FutuswarmError('unavailable', `cannot run docker: ${e.message}`, { hint: 'install Docker (the docker CLI and a running Docker Engine) on this machine' })),
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
  // Asked at once: the agent authorizes while Docker looks the image up.
  const opening = ctx.relay('app.push', { app });
  opening.catch(() => undefined);
  const inspected = await docker(ctx, ['image', 'inspect', '--format', '{{json .RepoTags}}', localRef], { show: false });
  if (inspected.code !== 0) {
    await opening.then((r) => r.child.kill('SIGTERM'), () => undefined);
    throw new FutuswarmError('invalid_input', `there is no image ${localRef} in your local Docker`, { hint: 'build it first, or use --build DIR' });
  }
  const localTags = JSON.parse(inspected.output.trim() || '[]') as string[] | null;
  const pushTag = tag ?? tagOf(localRef) ?? 'latest';
  const checked = imageTag.safeParse(pushTag);
  if (!checked.success) {
    await opening.then((r) => r.child.kill('SIGTERM'), () => undefined);
    throw new FutuswarmError('invalid_input', `--tag: ${checked.error.issues[0]?.message ?? 'bad tag'}`);
  }

  // Docker may connect before the agent has answered: its connections wait for the channel.
  const server = await relayServer(opening);
  const port = (server.address() as net.AddressInfo).port;
  const local = `127.0.0.1:${port}/${app}:${pushTag}`;
  const stop = new AbortController();
  const pushing = (async () => {
    if ((await docker(ctx, ['tag', localRef, local], { show: false })).code !== 0) {
      throw new FutuswarmError('docker', `docker tag ${localRef} failed`);
    }
    return docker(ctx, ['push', local], { signal: stop.signal });
  })();
  pushing.catch(() => undefined);
  try {
    // A refusal (not an owner, no registry) is the error to show, not Docker's account of it.
    const relay = await opening.catch((e: unknown) => {
      stop.abort();
      throw e;
    });
    ctx.io.progress(`pushing ${localRef} into ${relay.registry}/${app}:${pushTag}`);
    const pushed = await pushing;
    if (pushed.code !== 0) {
      throw new FutuswarmError('docker', `the push into ${app} failed (docker push exited ${pushed.code}: ${lastLines(pushed.output, 1)[0] ?? 'no output'}); nothing was deployed`, {
        hint: pushHint(pushed.output, app),
        details: { output: lastLines(pushed.output, 10) },
      });
    }
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.output)?.[1];
    if (!digest) throw new FutuswarmError('protocol', 'docker push did not report the digest of what it pushed');
    return { app, reference: `${relay.registry}/${app}@${digest}`, repository: `${relay.registry}/${app}`, digest, tag: pushTag };
  } finally {
    await server.shut();
    await pushing.catch(() => undefined);
    // The temporary name only; the image stays under the names it had.
    if ((localTags ?? []).length > 0) await docker(ctx, ['image', 'rm', '--no-prune', local], { show: false }).catch(() => undefined);
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

/** A loopback listener whose every connection is a stream of the relay's channel. */
async function relayServer(opening: Promise<Relay>): Promise<RelayServer> {
  const carrier = opening.then((relay) => {
    relay.output.pause();
    if (relay.head.length > 0) (relay.output as Readable).unshift(relay.head);
    return { relay, mux: new StreamMux(relay.output as Readable, relay.input as Writable) };
  });
  carrier.catch(() => undefined);
  const server = net.createServer((socket) => {
    socket.pause();
    carrier.then(
      ({ mux }) => {
        const stream = mux.open();
        socket.pipe(stream);
        stream.pipe(socket);
        socket.resume();
        socket.on('error', () => stream.destroy());
        stream.on('error', () => socket.destroy());
        socket.on('close', () => stream.destroy());
      },
      () => socket.destroy(),
    );
  }) as RelayServer;
  server.shut = async () => {
    await new Promise<void>((done) => server.close(() => done()));
    const opened = await carrier.catch(() => undefined);
    if (!opened) return;
    const { child, input } = opened.relay;
    const exited = new Promise<void>((done) => {
      if (child.exitCode !== null) done();
      else child.once('close', () => done());
    });
    // The end of the channel ends the agent's relay; a stuck one is not waited for long.
    input.end();
    const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  return server;
}
