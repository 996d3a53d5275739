/**
 * `futuswarm-agent daemon`: the resident agent of a manager. It listens on a unix socket that
 * only the SSH account reaches; the relay (sshd's forced command) hands it each request with
 * the person the authorized-keys step named. What a fresh agent process would build for every
 * request stays warm here: the config, the op handlers' code, the Docker connection, the AWS
 * clients. Requests run concurrently under the same per-app locks as before (in S3).
 *
 * Hand-over: a daemon binds a path of its own and renames it onto the socket path, so a newer
 * daemon takes the path while an older one finishes what it has in flight (SIGTERM: stop
 * accepting, drain, exit). Closing a listener removes only the path it was bound to, never the
 * newer daemon's socket.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { appendFileSync, chmodSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { loadAgentConfig, agentConfigPath, type AgentConfig } from '../config/agent-config.ts';
import { isFutuswarmError } from '../core/errors.ts';
import type { DockerEngine } from '../docker/engine.ts';
import { VERSION } from '../version.ts';
import type { AppState } from './app-state.ts';
import { authorizedKeys, authorizedKeysLog, refusedKeyLine } from './authorized-keys.ts';
import { openClientChannel } from './client-channel.ts';
import { exitFrame, frame, outputFrames, readRelayHeader } from './daemon-wire.ts';
import { daemonView } from './agent-status.ts';
import { daemonStats } from './daemon-stats.ts';
import { installedBundle } from './installed-bundle.ts';
import { LockJournal } from './lock-journal.ts';
import { openStates } from './open-state.ts';
import { OP_HANDLERS } from './ops/index.ts';
import { startPeriodicWork } from './periodic.ts';
import { proxyDockerSocketPath, serveProxyDockerSocket } from './proxy-docker-socket.ts';
import { engineSocketPath } from '../docker/engine-socket.ts';
import { serve } from './serve.ts';

/** A relay sends its header at once; a connection that does not is dropped. */
const HEADER_TIMEOUT_MS = 5_000;

export interface DaemonOptions {
  /** Overrides the agent config's daemon.socket (tests). */
  socket?: string;
  configPath?: string;
  /** Called once the socket answers (the supervisor's ready signal). */
  onReady?: () => void;
}

type Log = (fields: Record<string, unknown>) => void;

/** One JSON line per event, to the log file or stderr; what a field holds is never a secret value. */
function agentLog(file: string | undefined): Log {
  return (fields) => {
    const line = `${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...fields })}\n`;
    if (file === undefined) {
      process.stderr.write(line);
      return;
    }
    try {
      appendFileSync(file, line, { mode: 0o640 });
    } catch {
      process.stderr.write(line);
    }
  };
}

/** `promise`, with `forget` told if it fails: what is kept warm is connected again by the next request. */
function untilItFails<T>(promise: Promise<T>, forget: (failed: Promise<T>) => void): Promise<T> {
  promise.catch(() => forget(promise));
  return promise;
}

/**
 * The agent config, read again when its file changes (one stat per request), with the state
 * store opened for it: an admin's edit takes effect at the next request, as with an agent per
 * request, without a restart.
 */
class WarmConfig {
  #path: string;
  #stamp = '';
  #config: Promise<AgentConfig> | undefined;
  #state: Promise<{ fresh: AppState; cached: AppState }> | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  current(): Promise<AgentConfig> {
    let stamp = 'missing';
    try {
      const st = statSync(this.#path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      // loadAgentConfig says what is wrong with the path.
    }
    if (stamp !== this.#stamp || this.#config === undefined) {
      this.#stamp = stamp;
      this.#state = undefined;
      // A config that failed to load is tried again by the next request.
      this.#config = untilItFails(loadAgentConfig(this.#path), (failed) => {
        if (this.#config === failed) this.#stamp = '';
      });
    }
    return this.#config;
  }

  /** `cached`: the view for read-only ops, which may answer from recent reads (open-state.ts). */
  state(config: AgentConfig, use: { cached: boolean } = { cached: false }): Promise<AppState> {
    this.#state ??= untilItFails(
      openStates(config, { dataKeyCacheSeconds: config.daemon?.dataKeyCacheSeconds ?? 0, readCacheSeconds: config.daemon?.stateCacheSeconds ?? 0 }),
      (failed) => {
        if (this.#state === failed) this.#state = undefined;
      },
    );
    return this.#state.then((states) => (use.cached ? states.cached : states.fresh));
  }
}

export async function runDaemon(options: DaemonOptions = {}): Promise<number> {
  const configPath = options.configPath ?? agentConfigPath();
  const warm = new WarmConfig(configPath);
  const first = await warm.current();
  const daemon = first.daemon;
  const socketPath = options.socket ?? daemon?.socket;
  if (socketPath === undefined) {
    process.stderr.write(`futuswarm-agent daemon: ${configPath} has no daemon: section\n`);
    return 2;
  }
  const log = agentLog(daemon?.logFile);
  const locks = new LockJournal(join(dirname(socketPath), 'locks'));
  // The handlers' code is loaded once, before the first request, not during it.
  await Promise.all(Object.values(OP_HANDLERS).map((load) => load()));
  let engine: Promise<DockerEngine> | undefined;
  const docker = (): Promise<DockerEngine> =>
    (engine ??= untilItFails(import('../docker/engine.ts').then((m) => m.DockerEngine.connect()), (failed) => {
      if (engine === failed) engine = undefined;
    }));

  const inFlight = new Set<Promise<void>>();
  const handle = (socket: Socket): void => {
    const done = serveConnection(socket, { warm, docker, log, locks }).catch((e: unknown) => log({ level: 'error', event: 'connection', error: (e as Error).stack ?? String(e) }));
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  const server = createServer({ allowHalfOpen: true }, handle);
  const bound = `${socketPath}.${process.pid}`;
  rmSync(bound, { force: true });
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bound, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(bound, 0o600);
  renameSync(bound, socketPath);
  // The proxy reads Docker through this daemon, never through the engine's own socket.
  const proxyDocker = await serveProxyDockerSocket(proxyDockerSocketPath(socketPath), engineSocketPath()).catch((e: Error) => {
    log({ level: 'error', event: 'proxy docker socket', error: e.message });
    return undefined;
  });
  daemonStats.startedAt = new Date();
  daemonStats.socket = socketPath;
  daemonStats.bundle = installedBundle();
  log({ level: 'info', event: 'listening', socket: socketPath, version: VERSION, bundle: daemonStats.bundle });
  options.onReady?.();
  // What a daemon that died held: free it now, not when its TTL runs out.
  void warm
    .current()
    .then((config) => warm.state(config))
    .then((state) => locks.releaseOrphans(state, log))
    .then(
      (apps) => apps.length > 0 && log({ level: 'warn', event: 'orphan locks released', apps }),
      (e: Error) => log({ level: 'warn', event: 'orphan locks', error: e.message }),
    );

  // One daemon of the cluster at a time runs periodic work: the holder of the leader lease.
  const periodic = startPeriodicWork({
    state: () => warm.current().then((config) => warm.state(config)),
    holder: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    log,
    onLeader: (leader) => (daemonStats.leader = leader),
  });

  const drainMs = (daemon?.drainSeconds ?? 900) * 1000;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => () => {
      if (stopping) {
        log({ level: 'warn', event: 'stop', signal, inFlight: inFlight.size, note: 'second signal: leaving now' });
        resolve(1);
        return;
      }
      stopping = true;
      log({ level: 'info', event: 'stop', signal, inFlight: inFlight.size });
      // Unlinks only `bound`, which a rename already moved: a newer daemon's socket stays.
      server.close();
      // A newer daemon has the proxy's socket by now (same rename); the proxy reconnects there.
      proxyDocker?.close();
      proxyDocker?.closeAllConnections();
      const resigned = periodic.stop();
      const timer = setTimeout(() => {
        log({ level: 'warn', event: 'stopped', inFlight: inFlight.size, note: `requests still running after ${drainMs / 1000}s` });
        resolve(1);
      }, drainMs);
      void Promise.allSettled([...inFlight, resigned]).then(() => {
        clearTimeout(timer);
        log({ level: 'info', event: 'stopped' });
        resolve(0);
      });
    };
    process.on('SIGTERM', stop('SIGTERM'));
    process.on('SIGINT', stop('SIGINT'));
  });
}

interface Served {
  warm: WarmConfig;
  docker: () => Promise<DockerEngine>;
  log: Log;
  locks: LockJournal;
}

async function serveConnection(socket: Socket, served: Served): Promise<void> {
  const started = Date.now();
  const requestId = randomBytes(6).toString('hex');
  // The caller may leave at any time; a write to a closed connection is not an error here.
  socket.on('error', () => undefined);
  let user: string | undefined;
  let code = 1;
  let outcome: { op?: string; app?: string; outcome: string } = { outcome: 'protocol' };
  try {
    const { header, input } = await readRelayHeader(socket, HEADER_TIMEOUT_MS);
    if (header.kind === 'status') {
      socket.write(frame('o', Buffer.from(JSON.stringify(daemonView()))));
      code = 0;
      outcome = { op: 'status', outcome: 'ok' };
      return;
    }
    if (header.kind === 'authorized-keys') {
      // sshd's question, through the relay: the same answer as `futuswarm-agent authorized-keys`.
      outcome = { op: 'authorized-keys', outcome: 'refused' };
      const config = await served.warm.current();
      const log = authorizedKeysLog(config, { stderr: false });
      try {
        const line = await authorizedKeys(config, header.osUser, header.keyType, header.key, { log });
        if (line) socket.write(frame('o', Buffer.from(`${line}\n`)));
        outcome = { op: 'authorized-keys', outcome: line ? 'ok' : 'unknown key' };
        code = 0;
      } catch (e) {
        log(refusedKeyLine(header.osUser, header.keyType, isFutuswarmError(e) ? e.message : ((e as Error).stack ?? String(e))));
      }
      return;
    }
    if (header.kind === 'hand-over') {
      // The supervisor starts a daemon of the agent now installed; this one then finishes its requests.
      if (process.send === undefined) {
        outcome = { op: 'hand-over', outcome: 'no supervisor' };
        return;
      }
      process.send('hand-over');
      socket.write(frame('o', Buffer.from(JSON.stringify(daemonView()))));
      code = 0;
      outcome = { op: 'hand-over', outcome: 'ok' };
      return;
    }
    user = header.user;
    daemonStats.requests += 1;
    const output = outputFrames(socket);
    const { channel, request } = openClientChannel(input, output);
    code = await serve(
      header.user,
      () => served.warm.current(),
      { input: request, write: (line) => output.write(line), channel },
      {
        openState: (config, use) => served.warm.state(config, use),
        docker: served.docker,
        requestId,
        log: (stack) => served.log({ level: 'error', requestId, user, error: stack }),
        onOutcome: (o) => (outcome = o),
        onLock: (lock) => served.locks.note(lock),
      },
    );
    await new Promise<void>((resolve) => output.end(resolve));
  } catch (e) {
    outcome = { outcome: isFutuswarmError(e) ? e.code : 'internal' };
    served.log({ level: 'warn', requestId, event: 'refused connection', error: (e as Error).message });
  } finally {
    // The answer is complete: what the caller still sends is not read (a request over the
    // limit is refused before it is read whole).
    if (!socket.destroyed) socket.end(exitFrame(code), () => socket.destroy());
    served.log({ level: code === 0 ? 'info' : 'warn', requestId, user, ...outcome, ms: Date.now() - started });
  }
}
