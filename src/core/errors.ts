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
  'ssh_auth', 'ssh_unreachable', 'config', 'unavailable', 'interrupted', 'docker',
]);

export interface ErrorOptions {
  /** The next thing to do, e.g. the command to run. */
  hint?: string;
  /** Extra, structured detail (task errors, log lines); never secret values. */
  details?: unknown;
  /** The agent's name for the request that failed: an admin finds it in the agent log. */
  requestId?: string;
  cause?: unknown;
}

export class FutuswarmError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: unknown;
  readonly requestId: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FutuswarmError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
    this.requestId = options.requestId;
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
    const message = plainMessage(issue);
    return path ? `${path}: ${message}` : message;
  });
}

const ARTICLE: Record<string, string> = { array: 'a list', object: 'an object', boolean: 'true or false', int: 'a whole number', number: 'a number', string: 'a string' };

/**
 * The validator's own English ("Too big: expected number to be <=100") in the words the rest of
 * futuswarm uses ("must be at most 100"). Messages a schema sets itself are kept as they are.
 */
export function plainMessage(issue: z.core.$ZodIssue): string {
  if (!/^(Too big|Too small|Invalid input|Invalid option|Unrecognized key)/.test(issue.message)) return issue.message;
  const count = (n: number | bigint, noun: string) => `${n} ${noun}${Number(n) === 1 ? '' : 's'}`;
  switch (issue.code) {
    case 'too_big': {
      const inclusive = issue.inclusive !== false;
      const n = issue.maximum;
      if (issue.origin === 'string') return `must be at most ${count(inclusive ? n : Number(n) - 1, 'character')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${count(inclusive ? n : Number(n) - 1, 'item')}`;
      return inclusive ? `must be at most ${n}` : `must be less than ${n}`;
    }
    case 'too_small': {
      const inclusive = issue.inclusive !== false;
      const n = issue.minimum;
      if (issue.origin === 'string') return Number(n) <= 1 ? 'must not be empty' : `must be at least ${count(inclusive ? n : Number(n) + 1, 'character')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at least ${count(inclusive ? n : Number(n) + 1, 'item')}`;
      return inclusive ? `must be at least ${n}` : `must be more than ${n}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
    }
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_type':
      // Issues carry no input (it could be a secret); the default message names what was received.
      if (/received undefined$/.test(issue.message)) return 'is required';
      return `must be ${ARTICLE[issue.expected] ?? issue.expected}`;
    default:
      return issue.message;
  }
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
  throw issuesError(what, formatIssues(result.error.issues, options.root), options);
}

/** The error for problems found in `what`, one line each with its path (as parseWith reports them). */
export function issuesError(what: string, lines: readonly string[], options: { code?: ErrorCode; hint?: string } = {}): FutuswarmError {
  const message = lines.length === 1 ? `${what}: ${lines[0]}` : `${what}:\n  ${lines.join('\n  ')}`;
  return new FutuswarmError(options.code ?? 'invalid_input', message, {
    hint: options.hint,
    details: { issues: lines },
  });
}

/** The one way to say an app does not exist; `hint` when there is a better next step than listing. */
export function appNotFound(app: string, hint = 'futuswarm app:list shows the apps'): FutuswarmError {
  return new FutuswarmError('not_found', `there is no app named ${app} on this cluster`, { hint });
}
