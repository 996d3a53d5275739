/**
 * The manager's side of the node channel (docs/decisions.md, "app:exec on other nodes"): to
 * reach a task on another node, the agent logs in to that node's agent over SSH with the
 * cluster's node key, hands it one `node.exec` request and relays JSON lines both ways: the
 * caller's input to the node, the node's output and result back to the caller.
 *
 * The node key comes from the state bucket (sealed with KMS), and the node's host key from the
 * record the node published at boot (`node:register`): ssh checks it strictly, nothing is
 * trusted on first use. The key lives in a private temporary directory only while ssh starts.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FutuswarmError, ERROR_CODES, isFutuswarmError } from '../core/errors.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { eventSchema, PROTOCOL_VERSION, ATTACHED_STEP, type Event, type NodeRequest } from '../protocol.ts';
import type { AppState } from './app-state.ts';
import { callerGone, detachedChannel, type ClientChannel } from './client-channel.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { ExecOptions } from './exec-session.ts';

export interface NodeTarget {
  addr: string;
  hostname: string;
}

/**
 * How a session uses the node's shared connection: `start` makes this ssh the master (kept for
 * `persistSeconds` after its last session), `reuse` runs over a live master without a key.
 */
export type ControlUse = { mode: 'start'; socket: string; persistSeconds: number } | { mode: 'reuse'; socket: string };

/** ssh options: no user config, the node key only, strict host keys, no prompts, no forwarding. */
export function nodeSshArgs(o: { identityFile?: string; knownHostsFile: string; port: number; user: string; addr: string; control?: ControlUse }): string[] {
  const control = o.control === undefined
    ? []
    : o.control.mode === 'start'
      ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${o.control.socket}`, '-o', `ControlPersist=${o.control.persistSeconds}`]
      : ['-o', 'ControlMaster=no', '-o', `ControlPath=${o.control.socket}`];
  return [
    '-F', '/dev/null',
    '-T',
    ...(o.identityFile === undefined ? ['-o', 'IdentityFile=none', '-o', 'PubkeyAuthentication=no'] : ['-i', o.identityFile]),
    '-o', 'IdentitiesOnly=yes',
    ...control,
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${o.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=10',
    '-o', 'ServerAliveInterval=15',
    '-o', 'ClearAllForwardings=yes',
    '-o', 'LogLevel=ERROR',
    '-p', String(o.port),
    '-l', o.user,
    '--',
    o.addr,
  ];
}

/** known_hosts lines for a node: `[addr]:port` unless the port is 22. */
export function knownHostsLines(addr: string, port: number, hostKeys: readonly string[]): string {
  const host = port === 22 ? addr : `[${addr}]:${port}`;
  return hostKeys.map((k) => `${host} ${k}\n`).join('');
}

/** How long a node's connection stays open after its last session. */
const CONTROL_PERSIST_SECONDS = 60;

/**
 * Run `exec` on the node behind `target` and relay it. Returns the exit code; node-side errors
 * come back as FutuswarmErrors naming the node.
 *
 * Sessions to one node share one SSH connection for a minute after the last one (an OpenSSH
 * control master in a private directory of the agent's account), so a second exec skips the
 * handshake, the node's key lookups and reading the node key. The master is used only while
 * the host keys it was checked against are still the node's record.
 */
export async function execOnNode(
  config: AgentConfig,
  state: AppState,
  target: NodeTarget,
  request: { app: string; containerId: string; name: string } & ExecOptions,
  io: { emit(event: Event): void; channel: ClientChannel; gone: AbortSignal },
): Promise<number | null> {
  const nodeRequest: NodeRequest = {
    v: PROTOCOL_VERSION,
    op: 'node.exec',
    app: request.app,
    containerId: request.containerId,
    name: request.name,
    command: request.command,
    interactive: request.interactive,
    tty: request.tty,
    ...(request.cols ? { cols: request.cols } : {}),
    ...(request.rows ? { rows: request.rows } : {}),
  };
  const code = ((await callNode(config, state, target, nodeRequest, io)) as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' ? code : null;
}

/** No messages from a caller: for requests that do not attach. */
const NO_CALLER = detachedChannel();

/** How the agent of another manager is doing (admin agent:status), through its node-serve. */
export async function agentStatusOnNode(config: AgentConfig, state: AppState, target: NodeTarget): Promise<unknown> {
  const io = { emit: () => undefined, channel: NO_CALLER, gone: new AbortController().signal };
  return callNode(config, state, target, { v: PROTOCOL_VERSION, op: 'node.agent.status' }, io);
}

/** Install agent bundle `bundle` on another node and hand its resident agent over (admin agent:upgrade). */
export async function agentUpgradeOnNode(config: AgentConfig, state: AppState, target: NodeTarget, bundle: string, onProgress: (message: string) => void): Promise<unknown> {
  const emit = (event: Event): void => {
    if (event.type === 'progress') onProgress(event.message);
  };
  return callNode(config, state, target, { v: PROTOCOL_VERSION, op: 'node.agent.upgrade', bundle }, { emit, channel: NO_CALLER, gone: new AbortController().signal });
}

/** Remove a finished job container of `app` on another node; false when it was gone already. */
export async function removeJobContainerOnNode(config: AgentConfig, state: AppState, target: NodeTarget, request: { app: string; containerId: string }): Promise<boolean> {
  const io = { emit: () => undefined, channel: NO_CALLER, gone: new AbortController().signal };
  const data = await callNode(config, state, target, { v: PROTOCOL_VERSION, op: 'node.remove', app: request.app, containerId: request.containerId }, io);
  return (data as { removed?: unknown } | null)?.removed === true;
}

/** One request to the node's agent over the node channel; its result's data. */
async function callNode(
  config: AgentConfig,
  state: AppState,
  target: NodeTarget,
  nodeRequest: NodeRequest,
  io: { emit(event: Event): void; channel: ClientChannel; gone: AbortSignal },
): Promise<unknown> {
  const where = `${target.hostname} (${target.addr})`;
  if (!config.nodeChannel) {
    throw new FutuswarmError('unavailable', `the task runs on another node, ${where}, and this manager has no nodeChannel in its agent config`, {
      hint: 'an admin sets it up per docs/admin-guide.md ("the node channel"); meanwhile pick a task on this manager with --task, see futuswarm app:inspect',
    });
  }
  if (isIP(target.addr) === 0) throw new FutuswarmError('unavailable', `Swarm reports no usable address for node ${target.hostname}: "${target.addr}"`);
  const node = await state.nodes.get(target.addr);
  if (!node) {
    throw new FutuswarmError('unavailable', `node ${where} has not published its SSH host key, so this manager cannot check whom it would talk to`, {
      hint: `on that node, run: futuswarm-agent node:register --addr ${target.addr}`,
    });
  }
  const port = config.nodeChannel.port;
  const knownHosts = knownHostsLines(target.addr, port, node.hostKeys);
  const dir = await mkdtemp(join(tmpdir(), 'futuswarm-node-'));
  try {
    const knownHostsFile = join(dir, 'known_hosts');
    await writeFile(knownHostsFile, knownHosts, { mode: 0o600 });
    const base = { knownHostsFile, port, user: config.sshUser, addr: target.addr };
    const control = await controlFor(config.sshUser, target.addr, port);

    let session: SessionResult | undefined;
    if (control && (await sharedConnectionFits(control, knownHosts, base))) {
      session = await runSession(nodeSshArgs({ ...base, control: { mode: 'reuse', socket: control.socket } }), nodeRequest, where, io);
      // The master went away between the check and the session: nothing ran, start afresh.
      if (!session.heardFromNode && !io.gone.aborted) session = undefined;
    }
    if (!session) {
      const key = await state.clusterSecrets.readNodeKey();
      const identityFile = join(dir, 'node_key');
      await writeFile(identityFile, key.privateKey, { mode: 0o600 });
      if (control) await writeFile(control.hostsFile, knownHosts, { mode: 0o600 });
      const start = control ? { mode: 'start' as const, socket: control.socket, persistSeconds: CONTROL_PERSIST_SECONDS } : undefined;
      session = await runSession(nodeSshArgs({ ...base, identityFile, ...(start ? { control: start } : {}) }), nodeRequest, where, io);
    }

    const { outcome, status, stderr } = session;
    if (io.gone.aborted) throw callerGone(io.gone);
    if (outcome === undefined) {
      const why = stderr.trim().split('\n').filter(Boolean).pop() ?? `ssh exited with ${status}`;
      throw new FutuswarmError('unavailable', `could not reach the agent on node ${where}: ${why}`, {
        hint: 'check that its sshd and agent run and that it published its host key (futuswarm-agent node:register)',
      });
    }
    if ('error' in outcome) {
      const code = (ERROR_CODES as readonly string[]).includes(outcome.error.code) ? outcome.error.code : 'internal';
      throw new FutuswarmError(code as (typeof ERROR_CODES)[number], `on node ${target.hostname}: ${outcome.error.message}`, outcome.error.hint ? { hint: outcome.error.hint } : {});
    }
    return outcome.data;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface SessionResult {
  outcome: { data: unknown } | { error: Extract<Event, { type: 'error' }> } | undefined;
  status: number | null;
  stderr: string;
  /** Whether the node's agent said anything: if not, nothing ran there. */
  heardFromNode: boolean;
}

/** One ssh session to node-serve: send the request, relay both ways until it ends. */
async function runSession(
  args: string[],
  nodeRequest: NodeRequest,
  where: string,
  io: { emit(event: Event): void; channel: ClientChannel; gone: AbortSignal },
): Promise<SessionResult> {
  const ssh = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = once(ssh, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderr = '';
  ssh.stderr.setEncoding('utf8');
  ssh.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  ssh.stdin.on('error', () => undefined);
  const send = (message: unknown) => ssh.stdin.write(`${JSON.stringify(message)}\n`);
  send(nodeRequest);

  const leave = () => ssh.kill('SIGTERM');
  io.gone.addEventListener('abort', leave, { once: true });
  // The caller's messages go on to the node once it is attached; until then they wait here.
  let attached!: () => void;
  const isAttached = new Promise<void>((resolve) => (attached = resolve));
  const forward = (async () => {
    await isAttached;
    for await (const message of io.channel.messages()) send(message);
  })().catch(() => leave());

  let outcome: SessionResult['outcome'];
  let heardFromNode = false;
  const lines = createInterface({ input: ssh.stdout, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    heardFromNode = true;
    let event: Event;
    try {
      const json: unknown = JSON.parse(line);
      refuseReservedKeys(json, `node ${where} sent an event`, { code: 'protocol' });
      event = eventSchema.parse(json);
    } catch (e) {
      leave();
      if (isFutuswarmError(e)) throw e;
      throw new FutuswarmError('protocol', `node ${where} answered something that is not a futuswarm event`, { hint: 'the agents on the managers and the nodes may be different versions' });
    }
    if (event.type === 'progress' && event.step === ATTACHED_STEP) {
      io.emit(event);
      attached();
    } else if (event.type === 'output' || event.type === 'progress') io.emit(event);
    else if (event.type === 'result') outcome = { data: event.data }; else if (event.type === 'error') outcome = { error: event };
  }
  const [status] = await exited;
  io.gone.removeEventListener('abort', leave);
  void forward;
  return { outcome, status, stderr, heardFromNode };
}

interface ControlPaths {
  /** The master's socket. */
  socket: string;
  /** The known_hosts lines the master was checked against. */
  hostsFile: string;
}

/**
 * Where the shared connection to a node lives: a directory only this account may enter, or
 * none (every session connects on its own) when that cannot be had.
 */
async function controlFor(user: string, addr: string, port: number): Promise<ControlPaths | undefined> {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = join(tmpdir(), `futuswarm-ssh-${uid}`);
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  const info = await lstat(dir);
  // Someone else's directory, or one others may enter, is not used: its socket would be a way in.
  if (!info.isDirectory() || info.uid !== uid || (info.mode & 0o077) !== 0) return undefined;
  const name = createHash('sha256').update(`${user}@${addr}:${port}`).digest('hex').slice(0, 20);
  return { socket: join(dir, name), hostsFile: join(dir, `${name}.hosts`) };
}

/**
 * Whether a live master exists and was checked against the host keys the node has now; a
 * master checked against other keys is stopped.
 */
async function sharedConnectionFits(control: ControlPaths, knownHosts: string, base: { knownHostsFile: string; port: number; user: string; addr: string }): Promise<boolean> {
  const checked = await readFile(control.hostsFile, 'utf8').catch(() => undefined);
  const op = (command: 'check' | 'exit') =>
    new Promise<boolean>((resolve) => {
      const args = nodeSshArgs({ ...base, control: { mode: 'reuse', socket: control.socket } });
      const ssh = spawn('ssh', ['-O', command, ...args], { stdio: 'ignore' });
      ssh.on('error', () => resolve(false));
      ssh.on('close', (code) => resolve(code === 0));
    });
  if (checked === knownHosts) return op('check');
  if (checked !== undefined) await op('exit');
  return false;
}
