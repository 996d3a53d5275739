/**
 * app.restart: replace every task with a fresh one of the same image and environment, one at
 * a time and health-gated like a deploy. Recorded as a release, so the new tasks are told apart.
 */
import { defineOp } from '../op.ts';
import { loadLiveApp } from '../live-app.ts';
import { rollOut } from '../release.ts';

export default defineOp({
  op: 'app.restart',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    const live = await loadLiveApp(ctx, args.app);
    return rollOut(ctx, {
      ...live.desired,
      restart: true,
      note: `restart of ${live.release}`,
      ...(args.timeoutSeconds ? { timeoutSeconds: args.timeoutSeconds } : {}),
    });
  },
});
