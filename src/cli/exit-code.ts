/**
 * What the CLI exits with: one table for every command (README, "Exit codes"). Scripts tell
 * "fix the command line" (2) from "it was tried and failed" (1) by it, so every path to an exit
 * asks here. A run's own program (app:run, app:exec) passes its exit code through instead.
 */
import { isFutuswarmError, type ErrorCode } from '../core/errors.ts';

export const EXIT = {
  ok: 0,
  /** Tried and failed: refused, not found, a conflict, unhealthy, unreachable, broken. */
  failed: 1,
  /** Invalid input or usage, whether commander, the CLI or the agent found it; nothing changed. */
  usage: 2,
  /** Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

/** The exit code of each error code. */
export const EXIT_CODE_OF_ERROR: Readonly<Record<ErrorCode, number>> = {
  invalid_input: EXIT.usage,
  interrupted: EXIT.interrupted,
  not_found: EXIT.failed,
  conflict: EXIT.failed,
  forbidden: EXIT.failed,
  locked: EXIT.failed,
  deploy_failed: EXIT.failed,
  unchanged: EXIT.failed,
  ssh_auth: EXIT.failed,
  ssh_unreachable: EXIT.failed,
  protocol: EXIT.failed,
  config: EXIT.failed,
  unavailable: EXIT.failed,
  aws: EXIT.failed,
  docker: EXIT.failed,
  internal: EXIT.failed,
};

/**
 * The exit code for whatever a command ended with: our errors by their code; commander's are
 * usage errors, but for the help and version that were asked for (commander's own exit code 0;
 * help shown because a subcommand is missing has 1); anything else is a failure.
 */
export function exitCodeFor(error: unknown): number {
  if (isFutuswarmError(error)) return EXIT_CODE_OF_ERROR[error.code];
  // commander is loaded lazily; its errors are told apart by their code, never by their class.
  const { code, exitCode } = (error ?? {}) as { code?: unknown; exitCode?: unknown };
  if (typeof code === 'string' && code.startsWith('commander.')) return exitCode === 0 ? EXIT.ok : EXIT.usage;
  return EXIT.failed;
}
