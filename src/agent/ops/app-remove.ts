/**
 * app.remove: stop the app's service and remove it; with purge, its database, cache, images,
 * stored state and owners too, so a later app of the same name inherits nothing. What a purge
 * removes outside the state bucket is looked up before anything changes.
 */
import { appSettingsSchema } from '../../core/app-settings.ts';
import { appNotFound, FutuswarmError } from '../../core/errors.ts';
import { LABEL } from '../../core/service-spec.ts';
import { describeAppData, findAppData, removeAppData, type AppData } from '../app-data.ts';
import { deleteRepository } from './app-images.ts';
import { defineOp } from '../op.ts';
import { listPeople } from '../acl.ts';
import { appsLinkingTo } from '../app-networks.ts';

export default defineOp({
  op: 'app.remove',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const state = await ctx.state();
    const service = await docker.findService(args.app);
    const managed = service !== undefined && service.labels[LABEL.app] === args.app;
    const [stored, record] = await Promise.all([state.settings.get(args.app), state.apps.get(args.app)]);
    if (!managed && !stored && !record && (await state.owners.get(args.app))) {
      // Owners of a name that never came to exist: free the name.
      await state.owners.delete(args.app);
      ctx.progress('owners', `${args.app} was never deployed; removed its owners`);
      return { app: args.app, removed: false, purged: false, ownersRemoved: true, database: null, cache: null };
    }
    if (!managed && !stored && record && !args.purge) {
      throw new FutuswarmError('invalid_input', `${args.app} has never been deployed, so nothing of it runs; removing it means deleting it`, {
        hint: `futuswarm app:remove -n ${args.app} --purge --confirm ${args.app} deletes it with its secrets and owners`,
      });
    }
    if (!managed && !(args.purge && (stored || record))) throw appNotFound(args.app);
    // Their tasks join this app's network: it cannot go while they hold it.
    const linkedFrom = await appsLinkingTo(docker, args.app);
    if (linkedFrom.length > 0) {
      throw new FutuswarmError('conflict', `${args.app} cannot be removed while ${listPeople(linkedFrom)} link${linkedFrom.length === 1 ? 's' : ''} to it`, {
        hint: linkedFrom.map((other) => `futuswarm app:unlink -n ${other} --from ${args.app}`).join('; '),
        details: { linkedFrom },
      });
    }
    const data: AppData = args.purge ? await findAppData(ctx, args.app) : { database: null, cache: null };
    if (args.purge) ctx.progress('data', describeAppData(args.app, data));
    if (managed) {
      ctx.progress('remove', `removing ${args.app} (release ${service.labels[LABEL.release] ?? '?'})`);
      await docker.removeService(service.id);
      // Its network stays (src/agent/app-networks.ts says why); a new app of the name reuses it.
    }
    let dropped: Awaited<ReturnType<typeof removeAppData>> = { database: null, cache: null };
    if (args.purge) {
      dropped = await removeAppData(ctx, args.app, data);
      const domains = stored ? appSettingsSchema.safeParse(stored.settings).data?.domains ?? [] : [];
      for (const host of new Set([...domains, ...(record?.record.domains ?? [])])) await state.domains.release(args.app, host);
      const images = await deleteRepository(ctx, args.app).catch((e: Error) => {
        ctx.progress('images', `warning: the images of ${args.app} stay in the registry: ${e.message}`);
        return 0;
      });
      if (images > 0) ctx.progress('images', `deleted ${images} image(s) of ${args.app} from the cluster registry`);
      const { deleted } = await state.purgeApp(args.app);
      await state.apps.purge(args.app);
      // purgeApp deleted every version under the app, the owners included; this makes it explicit.
      await state.owners.delete(args.app);
      ctx.progress('purge', `deleted ${deleted} stored object version(s) of ${args.app}, its owners included`);
    } else {
      // Secrets and releases stay, so the owners stay with them: nobody else may claim the name
      // and inherit the secrets (a rollback would even run them). --purge frees the name.
      ctx.progress('kept', `kept the secrets, releases, owners, database and cache of ${args.app}; remove them with --purge --confirm ${args.app} to free the name`);
    }
    return { app: args.app, removed: managed, purged: args.purge === true, ownersRemoved: args.purge === true, ...dropped };
  },
});
