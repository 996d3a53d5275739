/** admin.audit: the audit trail, newest first, filtered by app, user, op and time. Never a secret value. */
import { defineOp } from '../op.ts';

const DEFAULT_LIMIT = 200;

export default defineOp({
  op: 'admin.audit',
  access: 'admin',
  mutating: false,
  async handle(ctx, args) {
    const since = args.since !== undefined
      ? new Date(args.since)
      : args.sinceSeconds !== undefined
        ? new Date(Date.now() - args.sinceSeconds * 1000)
        : undefined;
    const limit = args.limit ?? DEFAULT_LIMIT;
    const records = await (await ctx.state()).audit.list({
      ...(args.app !== undefined ? { app: args.app } : {}),
      ...(args.user !== undefined ? { user: args.user } : {}),
      ...(args.op !== undefined ? { op: args.op } : {}),
      ...(since !== undefined ? { since } : {}),
      limit: limit + 1,
    });
    return { records: records.slice(0, limit), truncated: records.length > limit, since: since?.toISOString() ?? null };
  },
});
