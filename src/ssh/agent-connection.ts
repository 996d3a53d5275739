/**
 * The SSH connection one request travels on. The CLI opens it and sends the request as soon as
 * the arguments are valid, and only then loads the code that reads the answer (agent-client.ts):
 * that code loads while the agent works. No zod here.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { buildSshArgs, type SshTarget } from './ssh-args.ts';

export interface ConnectOptions {
  controlDir: string;
  /** Seconds ssh waits for the manager to answer (default 10). */
  connectTimeoutSeconds?: number;
  sshBinary?: string;
}

export interface AgentConnection {
  readonly target: SshTarget;
  readonly child: ChildProcessWithoutNullStreams;
  /** ssh's exit code once it has ended and closed its output; rejects when it could not start. */
  readonly closed: Promise<number | null>;
  /** What ssh wrote on stderr so far (the first 64 KiB), for the message when it fails. */
  stderr(): string;
  /** Whether the request line went out on it. */
  readonly sent: boolean;
  /**
   * Sends the request line; `keepOpen` leaves our side open for client messages and as the sign
   * that the caller is still there (app:logs -f, app:run, app:exec).
   */
  send(line: string, keepOpen: boolean): void;
}

export function openAgentConnection(target: SshTarget, options: ConnectOptions): AgentConnection {
  mkdirSync(options.controlDir, { recursive: true, mode: 0o700 });
  const argv = buildSshArgs(target, {
    controlDir: options.controlDir,
    controlPersistSeconds: 60,
    ...(options.connectTimeoutSeconds !== undefined ? { connectTimeoutSeconds: options.connectTimeoutSeconds } : {}),
  });
  const child = spawn(options.sshBinary ?? 'ssh', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  // The agent may exit before reading everything we send (it answered, or refused).
  child.stdin.on('error', () => undefined);
  // Watched from the start: ssh may fail before callAgent listens. Its stdout stays paused
  // until callAgent reads it, so nothing the agent says is lost.
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  closed.catch(() => undefined);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  let sent = false;
  return {
    target,
    child,
    closed,
    get sent() {
      return sent;
    },
    send(line, keepOpen) {
      sent = true;
      if (keepOpen) child.stdin.write(line);
      else child.stdin.end(line);
    },
    stderr: () => stderr,
  };
}
