import type { z } from 'zod';

/**
 * Stable error codes. They travel over the wire (agent → CLI) and are what scripts match on;
 * never match on message text.
 */
export const ERROR_CODES = [
  'invalid_input', // the user can fix the request
  'not_found',
  'conflict', // a concurrent change won; re-run
  'forbidden',
  'locked',
  'deploy_failed', // the release did not become healthy (Swarm rolled back or gave up)
  'unchanged',
  'ssh_auth', // sshd refused the key
  'ssh_unreachable',
  'protocol', // the other side spoke something we do not understand
  'config', // a config file on this side is wrong
  'unavailable', // a dependency (Docker, AWS, LDAP) did not answer
  'aws',
  'docker',
  'interrupted',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes that mean "something is wrong with what you asked": short message, no stack. */
const USER_CODES: ReadonlySet<ErrorCode> = new Set([
  'invalid_input', 'not_found', 'conflict', 'forbidden', 'locked', 'deploy_failed', 'unchanged',
  'ssh_auth', 'ssh_unreachable', 'config', 'unavailable', 'interrupted',
]);

export interface ErrorOptions {
  /** The next thing to do, e.g. the command to run. */
  hint?: string;
  /** Extra, structured detail (task errors, log lines); never secret values. */
  details?: unknown;
  cause?: unknown;
}

export class FutuswarmError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FutuswarmError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get isUserError(): boolean {
    return USER_CODES.has(this.code);
  }
}

export function isFutuswarmError(e: unknown): e is FutuswarmError {
  return e instanceof FutuswarmError;
}

/** One line per problem, each with the path of the bad value: `args.replicas: expected number`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root = ''): string[] {
  return issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

/**
 * Validate untrusted input at the edge. Every problem is reported at once, with its path.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  options: { root?: string; code?: ErrorCode; hint?: string } = {},
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = formatIssues(result.error.issues, options.root);
  const message = lines.length === 1 ? `${what}: ${lines[0]}` : `${what}:\n  ${lines.join('\n  ')}`;
  throw new FutuswarmError(options.code ?? 'invalid_input', message, {
    hint: options.hint,
    details: { issues: lines },
  });
}
