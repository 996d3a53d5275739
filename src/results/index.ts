/**
 * The other half of the protocol's table of operations (src/protocol.ts has the requests):
 * what the agent answers to each op, as a schema. The agent's handlers must return it (checked
 * by the compiler), the CLI gets it typed, and under `FUTUSWARM_CHECK_RESULTS=1` (which
 * `npm test` sets) the CLI checks every answer against it, so an answer that drifts from its
 * schema fails a test instead of confusing a user.
 */
import type { z } from 'zod';
import { FutuswarmError, formatIssues } from '../core/errors.ts';
import type { Op } from '../protocol.ts';
import { ADMIN_RESULTS } from './admin.ts';
import { APP_RESULTS } from './app.ts';
import { PEOPLE_RESULTS } from './people.ts';

export const OP_RESULTS = { ...APP_RESULTS, ...PEOPLE_RESULTS, ...ADMIN_RESULTS } satisfies Record<Op, z.ZodType>;

export type OpResult<O extends Op> = z.output<(typeof OP_RESULTS)[O]>;

/** Throws a `protocol` error naming the op and every path that does not match. */
export function checkResult<O extends Op>(op: O, value: unknown): OpResult<O> {
  const parsed = OP_RESULTS[op].safeParse(value);
  if (parsed.success) return parsed.data as OpResult<O>;
  throw new FutuswarmError('protocol', `the agent's answer to ${op} does not match its schema: ${formatIssues(parsed.error.issues).join('; ')}`);
}
