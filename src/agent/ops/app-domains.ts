/**
 * app.domains: the extra host names an app answers to. A host name belongs to one app at a
 * time: claims are atomic in the state store, so two apps can never route the same name.
 */
import { appSettingsSchema } from '../../core/app-settings.ts';
import { appNotFound, FutuswarmError } from '../../core/errors.ts';
import { isAdmin } from '../acl.ts';
import { splitImageReference } from '../../core/names.ts';
import { appHosts, LABEL } from '../../core/service-spec.ts';
import { clusterInfo } from '../../config/agent-config.ts';
import { defineOp } from '../op.ts';
import { loadApp, rollOut } from '../release.ts';

export default defineOp({
  op: 'app.domains',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    const cluster = clusterInfo(ctx.config);
    const current = await loadApp(ctx, args.app);
    // A created app keeps its domains in its record until the first deploy stores settings.
    const before = current.settings?.domains ?? current.record?.record.domains;
    if (before === undefined) throw appNotFound(args.app);
    const add = (args.add ?? []).filter((d) => d !== `${args.app}.${cluster.domain}`);
    const remove = args.remove ?? [];
    if (add.length === 0 && remove.length === 0) {
      return { app: args.app, domains: before, hosts: appHosts(args.app, { domains: before }, cluster), changed: false };
    }
    for (const host of add) {
      // The bare cluster domain (a landing page, say) is the cluster's: only an admin gives it to an app.
      if (host === cluster.domain && !(await isAdmin(ctx.config, ctx.user))) {
        throw new FutuswarmError('forbidden', `${host} is the cluster domain itself; only an admin may give it to an app`, {
          hint: `ask an admin to run: futuswarm app:domains add -n ${args.app} ${host}`,
        });
      }
      // A name under the cluster domain is another app's default name.
      if (host.endsWith(`.${cluster.domain}`)) {
        throw new FutuswarmError('invalid_input', `${host} is under the cluster domain, where every app gets <app>.${cluster.domain}`, {
          hint: 'add host names outside the cluster domain, or deploy an app with that name',
        });
      }
    }
    const state = await ctx.state();
    for (const host of add) await state.domains.claim(args.app, host, ctx.user);
    const domains = [...new Set([...before.filter((d) => !remove.includes(d)), ...add])].sort();
    if (!current.settings) {
      const record = current.record!;
      await state.apps.update(args.app, record.etag, { ...record.record, domains });
      for (const host of remove) await state.domains.release(args.app, host);
      ctx.progress('domains', `${args.app} will answer to ${appHosts(args.app, { domains }, cluster).join(', ')} once deployed`);
      return { app: args.app, domains, hosts: appHosts(args.app, { domains }, cluster), changed: true };
    }
    const settings = appSettingsSchema.parse({ ...current.settings, domains });
    if (current.service) {
      const imageRef = current.service.labels[LABEL.image] ?? current.service.image;
      const ref = splitImageReference(imageRef);
      await rollOut(ctx, {
        app: args.app,
        image: ref.repository,
        imageRef,
        tag: ref.tag,
        settings,
        storedSettings: current.settings,
        settingsEtag: current.settingsEtag,
        service: current.service,
        secrets: current.secrets,
      });
    } else {
      await state.settings.put(args.app, settings as unknown as Record<string, unknown>, current.settingsEtag);
    }
    for (const host of remove) await state.domains.release(args.app, host);
    ctx.progress('domains', `${args.app} answers to ${appHosts(args.app, settings, cluster).join(', ')}`);
    return { app: args.app, domains, hosts: appHosts(args.app, settings, cluster), changed: true };
  },
});
