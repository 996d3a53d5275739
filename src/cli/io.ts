/**
 * The one seam for output. Commands never write to stdout/stderr directly: they report
 * progress, results and errors here, so the same command runs in a terminal, with --json,
 * quietly, and in tests (RecordingIo).
 *
 * Whatever is shown here may hold other people's text, so TerminalIo shows every control
 * character as its JSON escape (`\u001b`, src/core/terminal-text.ts) and `--json` output holds
 * none raw. Only what a program wrote passes as it came: `raw` (a secret value), `relay`
 * (app:run, app:exec) and the lines of `programLine` (app:logs), whose prefix is escaped.
 *
 * With --json, stdout carries one JSON document: the result, or the error (src/cli/render-error.ts).
 * What a remote program writes (`relay`) goes to stderr then, and the task lines that explain a
 * failure (`log`) go into the error document instead of the terminal.
 */
import type { FutuswarmError } from '../core/errors.ts';
import { terminalJson, visibleText } from '../core/terminal-text.ts';
import { errorDocument, errorLines, type ErrorLabel, type TaskLine } from './render-error.ts';

export type OutputMode = 'human' | 'json';

/** A line an app's task wrote, as app:logs prints it. */
export interface ProgramLine {
  source?: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface Io {
  readonly mode: OutputMode;
  /** A step of long work: `› creating service hello`. Hidden with -q and in JSON mode. */
  progress(message: string): void;
  /** Extra detail shown with -v. */
  debug(message: string): void;
  warn(message: string): void;
  /** Output of the command: in JSON mode `data` is printed, otherwise `human()`. */
  result(data: unknown, human: () => string): void;
  /** Raw bytes that are the command's output (a secret value, a log line). */
  raw(text: string): void;
  /** Output of a remote process relayed as it came (app:run, app:exec): to our stdout or stderr, to stderr with --json. */
  relay(stream: 'stdout' | 'stderr', data: string | Uint8Array): void;
  /** A line a task wrote, relayed by the agent (e.g. why a release failed); shown escaped, or kept for the --json error. */
  log(source: string, line: string): void;
  /** A line of an app's own output, the command's output (app:logs): after its source, as written. */
  programLine(line: ProgramLine, fallbackSource: string): void;
  error(error: FutuswarmError | Error): void;
}

export interface TerminalIoOptions {
  mode: OutputMode;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  /** Where output goes; default the process's own (tests pass their own). */
  streams?: { stdout: Writer; stderr: Writer };
}

interface Writer {
  write(data: string | Uint8Array): unknown;
}

/** The task lines a --json error document keeps: the last ones, which say why it failed. */
export const KEPT_TASK_LINES = 200;

/** Text meant to span lines, escaped for the terminal (see the top of this file). */
const shown = (text: string): string => visibleText(text, { lines: true });

type Paint = (s: string) => string;
const plain: Paint = (s) => s;
const ansi = (open: number, close: number): Paint => (s) => `\x1b[${open}m${s}\x1b[${close}m`;

export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export class TerminalIo implements Io {
  readonly mode: OutputMode;
  private readonly quiet: boolean;
  private readonly verbose: boolean;
  private readonly dim: Paint;
  private readonly red: Paint;
  private readonly yellow: Paint;
  private readonly stdout: Writer;
  private readonly stderr: Writer;
  private readonly paintLabel: Record<ErrorLabel, Paint>;
  private readonly taskLines: TaskLine[] = [];

  constructor(options: TerminalIoOptions) {
    this.mode = options.mode;
    this.quiet = options.quiet;
    this.verbose = options.verbose;
    this.dim = options.color ? ansi(2, 22) : plain;
    this.red = options.color ? ansi(31, 39) : plain;
    this.yellow = options.color ? ansi(33, 39) : plain;
    this.stdout = options.streams?.stdout ?? process.stdout;
    this.stderr = options.streams?.stderr ?? process.stderr;
    this.paintLabel = { error: this.red, 'internal error': this.red, hint: this.dim, 'request id': this.dim, report: plain };
  }

  progress(message: string): void {
    if (this.quiet || this.mode === 'json') return;
    this.stderr.write(`${this.dim('›')} ${shown(message)}\n`);
  }

  debug(message: string): void {
    if (this.verbose) this.stderr.write(this.dim(`  ${shown(message)}\n`));
  }

  warn(message: string): void {
    this.stderr.write(`${this.yellow('warning:')} ${shown(message)}\n`);
  }

  result(data: unknown, human: () => string): void {
    if (this.mode === 'json') {
      this.stdout.write(`${terminalJson(data, 2)}\n`);
      return;
    }
    const text = shown(human());
    if (text !== '') this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  raw(text: string): void {
    this.stdout.write(text);
  }

  relay(stream: 'stdout' | 'stderr', data: string | Uint8Array): void {
    (stream === 'stderr' || this.mode === 'json' ? this.stderr : this.stdout).write(data);
  }

  log(source: string, line: string): void {
    if (this.mode === 'json') {
      this.taskLines.push({ source, line });
      if (this.taskLines.length > KEPT_TASK_LINES) this.taskLines.shift();
      return;
    }
    this.stderr.write(`  ${this.dim(`${visibleText(source)} |`)} ${shown(line)}\n`);
  }

  programLine(line: ProgramLine, fallbackSource: string): void {
    if (this.mode === 'json') this.stdout.write(`${terminalJson({ source: line.source, stream: line.stream, line: line.line })}\n`);
    else this.stdout.write(`${visibleText(line.source ?? fallbackSource)} | ${line.line}\n`);
  }

  error(error: FutuswarmError | Error): void {
    if (this.mode === 'json') {
      this.stdout.write(`${terminalJson(errorDocument(error, this.taskLines), 2)}\n`);
      return;
    }
    for (const { label, text } of errorLines(error)) {
      this.stderr.write(label === 'report' ? `${text}\n` : `${this.paintLabel[label](`${label}:`)} ${shown(text)}\n`);
    }
  }
}

/** Keeps everything in memory: tests read it like a transcript. */
export class RecordingIo implements Io {
  readonly lines: string[] = [];
  readonly results: unknown[] = [];
  readonly errors: (FutuswarmError | Error)[] = [];
  readonly mode: OutputMode;
  constructor(mode: OutputMode = 'human') {
    this.mode = mode;
  }
  progress(message: string): void { this.lines.push(`progress: ${message}`); }
  debug(message: string): void { this.lines.push(`debug: ${message}`); }
  warn(message: string): void { this.lines.push(`warn: ${message}`); }
  result(data: unknown, human: () => string): void { this.results.push(data); this.lines.push(human()); }
  raw(text: string): void { this.lines.push(text); }
  relay(stream: 'stdout' | 'stderr', data: string | Uint8Array): void { this.lines.push(`${stream}: ${Buffer.from(data).toString('utf8')}`); }
  log(source: string, line: string): void { this.lines.push(`log ${source}: ${line}`); }
  programLine(line: ProgramLine, fallbackSource: string): void { this.lines.push(`${line.stream} ${line.source ?? fallbackSource}: ${line.line}`); }
  error(error: FutuswarmError | Error): void { this.errors.push(error); this.lines.push(`error: ${error.message}`); }
}
