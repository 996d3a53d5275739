/** app.remove: stop the app's service and remove it; with purge, its stored state too. */
import { LABEL } from '../../core/service-spec.ts';
import { defineOp } from '../op.ts';
import { appNotFound } from './app-inspect.ts';

export default defineOp({
  op: 'app.remove',
  mutating: true,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const state = await ctx.state();
    const service = await docker.findService(args.app);
    const managed = service !== undefined && service.labels[LABEL.app] === args.app;
    const stored = await state.getSettings(args.app);
    if (!managed && !(args.purge && stored)) throw appNotFound(args.app);
    if (managed) {
      ctx.progress('remove', `removing ${args.app} (release ${service.labels[LABEL.release] ?? '?'})`);
      await docker.removeService(service.id);
    }
    if (args.purge) {
      const { deleted } = await state.purgeApp(args.app);
      ctx.progress('purge', `deleted ${deleted} stored object version(s) of ${args.app}`);
    }
    return { app: args.app, removed: managed, purged: args.purge === true };
  },
});
