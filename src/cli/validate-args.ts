/** The CLI's check of an op's arguments, with the protocol's schemas: loaded by what sends a request. */
import type { z } from 'zod';
import { FutuswarmError, formatIssues } from '../core/errors.ts';
import { OP_ARGS, type Op } from '../protocol.ts';

/** Check request arguments on this side, so bad input never leaves the laptop. */
export function validateArgs<O extends Op>(op: O, args: unknown, flags: Partial<Record<string, string>> = {}): z.output<(typeof OP_ARGS)[O]> {
  const result = OP_ARGS[op].safeParse(args);
  if (result.success) return result.data as z.output<(typeof OP_ARGS)[O]>;
  const lines = formatIssues(result.error.issues).map((line) => {
    const key = line.split(/[.:]/, 1)[0] ?? '';
    const flag = flags[key];
    return flag ? `${flag}${line.slice(key.length)}` : line;
  });
  throw new FutuswarmError('invalid_input', lines.length === 1 ? (lines[0] ?? '') : lines.join('\n'), { details: { issues: lines } });
}
