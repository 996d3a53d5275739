/** A TerminalIo writing into strings, as a terminal (or a script reading --json) would receive them. */
import { TerminalIo, type OutputMode } from '../../src/cli/io.ts';

export function terminal(mode: OutputMode, options: { quiet?: boolean; color?: boolean } = {}) {
  const out = { stdout: '', stderr: '' };
  const io = new TerminalIo({
    mode,
    quiet: options.quiet ?? false,
    verbose: true,
    color: options.color ?? false,
    streams: {
      stdout: { write: (d: string | Uint8Array) => (out.stdout += Buffer.from(d).toString('utf8')) },
      stderr: { write: (d: string | Uint8Array) => (out.stderr += Buffer.from(d).toString('utf8')) },
    },
  });
  return { io, out };
}
