/** app.remove: stop the app's service and remove it. */
import { LABEL } from '../../core/service-spec.ts';
import { defineOp } from '../op.ts';
import { appNotFound } from './app-inspect.ts';

export default defineOp({
  op: 'app.remove',
  mutating: true,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const service = await docker.findService(args.app);
    if (!service || service.labels[LABEL.app] !== args.app) throw appNotFound(args.app);
    ctx.progress('remove', `removing ${args.app} (release ${service.labels[LABEL.release] ?? '?'})`);
    await docker.removeService(service.id);
    return { app: args.app, removed: true };
  },
});
