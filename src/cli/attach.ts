/**
 * The caller's side of an attached command (app:exec, app:run -it): this terminal's input sent
 * as client messages once the agent says the command is attached, a terminal on the far side
 * only when there is one here to drive it (raw mode, resizes), and everything put back after.
 */
import { execFileSync } from 'node:child_process';
import type { AgentCallOptions } from '../ssh/agent-client.ts';
import { ATTACHED_STEP, type ClientMessage } from '../protocol.ts';
import type { Io } from './io.ts';

export interface Attachment {
  /** What the op's arguments say about input and terminal. */
  args: { interactive?: true; tty?: true; cols?: number; rows?: number };
  /** For ctx.agent: the channel and events of the session. */
  options: Pick<AgentCallOptions, 'onChannel' | 'onEvent'>;
  /** This terminal as it was. */
  restore(): void;
}

export function attachTerminal(io: Io, wanted: { interactive: boolean; tty: boolean }): Attachment {
  const interactive = wanted.interactive;
  const tty = wanted.tty && process.stdin.isTTY === true && process.stdout.isTTY === true;
  if (wanted.tty && !tty) io.debug('no terminal here: running without one');
  let send: ((m: ClientMessage) => void) | undefined;
  let rawMode = false;
  // A terminal that does not know its size says 0: then the far side keeps its default.
  const size = () => (process.stdout.columns > 0 && process.stdout.rows > 0 ? { cols: process.stdout.columns, rows: process.stdout.rows } : undefined);
  const onResize = () => {
    const s = size();
    if (s) send?.({ type: 'resize', ...s });
  };
  const attach = () => {
    if (!interactive) {
      send?.({ type: 'eof' });
      return;
    }
    if (tty) {
      process.stdin.setRawMode(true);
      rawMode = true;
      rawOutput();
      process.stdout.on('resize', onResize);
    }
    process.stdin.on('data', (data: Buffer) => send?.({ type: 'stdin', data: data.toString('base64') }));
    process.stdin.once('end', () => send?.({ type: 'eof' }));
    process.stdin.resume();
  };
  return {
    args: { ...(interactive ? { interactive: true as const } : {}), ...(tty ? { tty: true as const, ...size() } : {}) },
    options: {
      onChannel: (channel) => (send = (m) => channel.send(m)),
      onEvent(event) {
        if (event.type === 'output') io.relay(event.stream, Buffer.from(event.data, 'base64'));
        else if (event.type === 'progress') {
          io.debug(event.message);
          if (event.step === ATTACHED_STEP) attach();
        } else if (event.type === 'log') io.log(event.source ?? 'agent', event.line);
      },
    },
    restore() {
      if (rawMode) process.stdin.setRawMode(false);
      process.stdout.off('resize', onResize);
      process.stdin.pause();
    },
  };
}

/**
 * Node's raw mode keeps output post-processing (ONLCR) on, so the remote terminal's "\r\n"
 * would reach the screen as "\r\r\n" and a bare "\n" (cursor down, for full-screen programs)
 * would become "\r\n". The container's terminal already does that translation; turn ours off,
 * as `docker exec -it` does. setRawMode(false) restores the saved settings, OPOST included.
 */
function rawOutput(): void {
  try {
    execFileSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'], timeout: 2000 });
  } catch {
    // No stty: line endings get an extra carriage return, which a terminal shows the same.
  }
}
