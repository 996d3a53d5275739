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
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FutuswarmError, ERROR_CODES } from '../core/errors.ts';
import { eventSchema, PROTOCOL_VERSION, ATTACHED_STEP, type Event, type NodeRequest } from '../protocol.ts';
import type { AppState } from './app-state.ts';
import type { ClientChannel } from './client-channel.ts';
import type { AgentConfig } from './config.ts';
import type { ExecOptions } from './exec-session.ts';

export interface NodeTarget {
  addr: string;
  hostname: string;
}

/** ssh options: no user config, the node key only, strict host keys, no prompts, no forwarding. */
export function nodeSshArgs(o: { identityFile: string; knownHostsFile: string; port: number; user: string; addr: string }): string[] {
  return [
    '-F', '/dev/null',
    '-T',
    '-i', o.identityFile,
    '-o', 'IdentitiesOnly=yes',
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

/**
 * Run `exec` on the node behind `target` and relay it. Returns the exit code; node-side errors
 * come back as FutuswarmErrors naming the node.
 */
export async function execOnNode(
  config: AgentConfig,
  state: AppState,
  target: NodeTarget,
  request: { app: string; containerId: string; name: string } & ExecOptions,
  io: { emit(event: Event): void; channel: ClientChannel; gone: AbortSignal },
): Promise<number | null> {
  const where = `${target.hostname} (${target.addr})`;
  if (!config.nodeChannel) {
    throw new FutuswarmError('unavailable', `the task runs on another node, ${where}, and this manager has no nodeChannel in its agent config`, {
      hint: 'an admin sets it up per docs/admin-guide.md ("the node channel"); meanwhile pick a task on this manager with --task, see futuswarm app:inspect',
    });
  }
  if (isIP(target.addr) === 0) throw new FutuswarmError('unavailable', `Swarm reports no usable address for node ${target.hostname}: "${target.addr}"`);
  const [key, node] = await Promise.all([state.readNodeKey(), state.getNode(target.addr)]);
  if (!node) {
    throw new FutuswarmError('unavailable', `node ${where} has not published its SSH host key, so this manager cannot check whom it would talk to`, {
      hint: `on that node, run: futuswarm-agent node:register --addr ${target.addr}`,
    });
  }
  const port = config.nodeChannel.port;
  const dir = await mkdtemp(join(tmpdir(), 'futuswarm-node-'));
  try {
    const identityFile = join(dir, 'node_key');
    const knownHostsFile = join(dir, 'known_hosts');
    await writeFile(identityFile, key.privateKey, { mode: 0o600 });
    await writeFile(knownHostsFile, knownHostsLines(target.addr, port, node.hostKeys), { mode: 0o600 });
    const ssh = spawn('ssh', nodeSshArgs({ identityFile, knownHostsFile, port, user: config.sshUser, addr: target.addr }), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = once(ssh, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    let stderr = '';
    ssh.stderr.setEncoding('utf8');
    ssh.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    ssh.stdin.on('error', () => undefined);
    const send = (message: unknown) => ssh.stdin.write(`${JSON.stringify(message)}\n`);
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

    let outcome: { exitCode: number | null } | { error: Extract<Event, { type: 'error' }> } | undefined;
    const lines = createInterface({ input: ssh.stdout, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let event: Event;
      try {
        event = eventSchema.parse(JSON.parse(line));
      } catch {
        leave();
        throw new FutuswarmError('protocol', `node ${where} answered something that is not a futuswarm event`, { hint: 'the agents on the managers and the nodes may be different versions' });
      }
      if (event.type === 'progress' && event.step === ATTACHED_STEP) {
        io.emit(event);
        attached();
      } else if (event.type === 'output' || event.type === 'progress') io.emit(event);
      else if (event.type === 'result') {
        const code = (event.data as { exitCode?: unknown } | null)?.exitCode;
        outcome = { exitCode: typeof code === 'number' ? code : null };
      } else if (event.type === 'error') outcome = { error: event };
    }
    const [status] = await exited;
    io.gone.removeEventListener('abort', leave);
    void forward;
    if (io.gone.aborted) throw new FutuswarmError('interrupted', 'the caller went away; the command was detached');
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
    return outcome.exitCode;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
