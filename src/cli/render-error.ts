/**
 * How a failed command is told, as data: the lines a person reads, and the one JSON document a
 * script reads (`{ error: { code, message, hint?, requestId?, details?, logs? } }`). Every code
 * gets its message, hint and request id; only `internal` (and anything that is not a
 * FutuswarmError) is called a bug, with its stack.
 */
import { FutuswarmError, type ErrorCode } from '../core/errors.ts';

/** A line a task wrote that the agent relayed while the command ran (why a release failed). */
export interface TaskLine {
  source: string;
  line: string;
}

export interface ErrorDocument {
  code: ErrorCode;
  message: string;
  hint?: string;
  /** The agent's name for the request: an admin finds it in the agent log on the manager. */
  requestId?: string;
  details?: unknown;
  /** The task lines relayed before the failure, which a terminal shows as they come. */
  logs?: TaskLine[];
}

export type ErrorLabel = 'error' | 'internal error' | 'hint' | 'request id' | 'report';
export interface ErrorLine {
  label: ErrorLabel;
  text: string;
}

const REPORT = 'This is a bug in futuswarm. Please report it with the command you ran, the output above and the request id if there is one.';

function isInternal(error: Error): boolean {
  return !(error instanceof FutuswarmError) || error.code === 'internal';
}

/** What --json prints for a failure: the explanation itself, never a reference to other output. */
export function errorDocument(error: Error, logs: readonly TaskLine[] = []): { error: ErrorDocument } {
  const body: ErrorDocument =
    error instanceof FutuswarmError
      ? {
          code: error.code,
          message: error.message,
          ...(error.hint !== undefined ? { hint: error.hint } : {}),
          ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
          ...(error.details !== undefined ? { details: error.details } : {}),
        }
      : { code: 'internal', message: error.message };
  return { error: logs.length > 0 ? { ...body, logs: [...logs] } : body };
}

/** The lines a terminal shows for a failure, in order, each with its label. */
export function errorLines(error: Error): ErrorLine[] {
  const own = error instanceof FutuswarmError ? error : undefined;
  const lines: ErrorLine[] = [];
  if (isInternal(error)) {
    // A stack is what a bug report needs: ours, or that of the failure we wrapped. An internal
    // error the agent reported has none worth showing here: its request id leads to it.
    const failure = own ? (own.cause instanceof Error ? own.cause : undefined) : error;
    lines.push({ label: 'internal error', text: failure?.stack ?? error.message });
  } else {
    lines.push({ label: 'error', text: error.message });
  }
  if (own?.hint) lines.push({ label: 'hint', text: own.hint });
  if (own?.requestId) lines.push({ label: 'request id', text: own.requestId });
  if (isInternal(error)) lines.push({ label: 'report', text: REPORT });
  return lines;
}
