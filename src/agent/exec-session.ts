/**
 * One attached command inside a container on this node: the part of app:exec that the manager
 * runs for its own tasks and `node-serve` runs for a manager on another node. Input arrives as
 * client messages, output leaves as `output` events, the result is the exit code.
 */
import { once } from 'node:events';
import type { DockerEngine } from '../docker/engine.ts';
import { FrameDecoder } from '../docker/log-frames.ts';
import { ATTACHED_STEP, type Event } from '../protocol.ts';
import { callerGone, type ClientChannel } from './client-channel.ts';

export interface ExecOptions {
  command: string[];
  interactive: boolean;
  tty: boolean;
  cols?: number | undefined;
  rows?: number | undefined;
}

export interface ExecIo {
  emit(event: Event): void;
  channel: ClientChannel;
  /** Aborted when the caller leaves: the command is detached. */
  gone: AbortSignal;
}

/** Runs the command to its end; returns its exit code (null when Docker does not know it). */
export async function runAttachedExec(docker: DockerEngine, containerId: string, name: string, o: ExecOptions, io: ExecIo): Promise<number | null> {
  const session = await docker.exec(containerId, {
    cmd: o.command,
    tty: o.tty,
    stdin: o.interactive,
    ...(o.cols ? { cols: o.cols } : {}),
    ...(o.rows ? { rows: o.rows } : {}),
  });
  io.emit({ type: 'progress', step: ATTACHED_STEP, message: `attached to ${name}${o.tty ? ' with a terminal' : ''}` });

  const frames = new FrameDecoder(!o.tty);
  const send = (chunks: ReturnType<FrameDecoder['push']>) => {
    for (const c of chunks) io.emit({ type: 'output', stream: c.stream, data: c.data.toString('base64') });
  };
  const ended = new Promise<void>((resolve) => {
    session.stream.on('data', (chunk: Buffer) => send(frames.push(chunk)));
    session.stream.once('end', resolve);
    session.stream.once('close', resolve);
    session.stream.once('error', () => resolve());
  });
  const leave = () => session.stream.destroy();
  io.gone.addEventListener('abort', leave, { once: true });

  const input = (async () => {
    for await (const message of io.channel.messages()) {
      if (message.type === 'stdin' && o.interactive) {
        // Backpressure: stop reading the caller while the command does not keep up.
        if (!session.stream.write(Buffer.from(message.data, 'base64'))) await once(session.stream, 'drain');
      } else if (message.type === 'eof' && o.interactive) session.stream.end();
      else if (message.type === 'resize' && o.tty) await session.resize(message.cols, message.rows);
    }
  })().catch((e: unknown) => {
    io.emit({ type: 'progress', step: 'input', message: `stopped reading input: ${(e as Error).message}` });
    leave();
  });

  await ended;
  io.gone.removeEventListener('abort', leave);
  send(frames.end());
  void input;
  if (io.gone.aborted) throw callerGone(io.gone);
  return (await session.exitCode()) ?? null;
}
