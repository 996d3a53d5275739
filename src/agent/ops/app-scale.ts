/** app.scale: change how many tasks run; image, environment and release stay as they are. */
import { defineOp } from '../op.ts';
import { loadLiveApp } from '../live-app.ts';
import { rollOut } from '../release.ts';

export default defineOp({
  op: 'app.scale',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    const live = await loadLiveApp(ctx, args.app);
    const from = live.desired.settings.replicas;
    const result = await rollOut(ctx, {
      ...live.desired,
      settings: { ...live.desired.settings, replicas: args.replicas },
      ...(args.dryRun ? { dryRun: true } : {}),
      ...(args.timeoutSeconds ? { timeoutSeconds: args.timeoutSeconds } : {}),
    });
    return { ...result, from };
  },
});
