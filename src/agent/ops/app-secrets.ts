/**
 * app.secrets.*: the app's environment, envelope-encrypted in the state store. Setting or
 * unsetting rolls the running app to the new environment, health-gated like a deploy.
 */
import { describeSecrets } from '../../core/secrets.ts';
import { FutuswarmError } from '../../core/errors.ts';
import { LABEL } from '../../core/service-spec.ts';
import type { SecretsUpdate } from '../app-state.ts';
import { defineOp, type OpContext } from '../op.ts';
import { loadApp, rollOut } from '../release.ts';

/** After a change, the running app restarts with it (unless told not to). */
async function restartWith(ctx: OpContext, app: string, update: SecretsUpdate, restart: boolean) {
  const summary = { app, version: update.versionId ?? null, set: update.set, unset: update.unset, changed: update.changed, missing: update.missing };
  if (!update.written) {
    ctx.progress('unchanged', `secrets of ${app} are unchanged`);
    return { ...summary, restarted: false };
  }
  ctx.progress('stored', `stored secrets version ${update.versionId} of ${app} (${update.changed.length} key(s) changed)`);
  const current = await loadApp(ctx, app);
  if (!restart || !current.service || !current.settings) {
    if (restart && !current.service) ctx.progress('not-running', `${app} is not deployed; the secrets apply at its next deploy`);
    return { ...summary, restarted: false };
  }
  const imageRef = current.service.labels[LABEL.image] ?? current.service.image;
  const repo = imageRef.replace(/[:@][^/:@]*$/, '');
  const release = await rollOut(ctx, {
    app,
    image: repo,
    imageRef,
    settings: current.settings,
    storedSettings: current.settings,
    settingsEtag: current.settingsEtag,
    secrets: current.secrets,
    note: `secrets ${update.changed.join(', ')}`,
  });
  return { ...summary, restarted: true, release: release.release };
}

export const secretsSet = defineOp({
  op: 'app.secrets.set',
  mutating: true,
  async handle(ctx, args) {
    const state = await ctx.state();
    const update = await state.updateSecrets(args.app, ctx.user, () => ({ set: args.values }), {
      rerun: `futuswarm app:secrets set -n ${args.app} ${Object.keys(args.values).map((k) => `${k}=…`).join(' ')}`,
    });
    return restartWith(ctx, args.app, update, args.restart);
  },
});

export const secretsUnset = defineOp({
  op: 'app.secrets.unset',
  mutating: true,
  async handle(ctx, args) {
    const state = await ctx.state();
    const update = await state.updateSecrets(args.app, ctx.user, () => ({ unset: args.keys }), {
      rerun: `futuswarm app:secrets unset -n ${args.app} ${args.keys.join(' ')}`,
    });
    return restartWith(ctx, args.app, update, args.restart);
  },
});

export const secretsList = defineOp({
  op: 'app.secrets.list',
  mutating: false,
  async handle(ctx, args) {
    const snapshot = await (await ctx.state()).readSecrets(args.app);
    return {
      app: args.app,
      version: snapshot.versionId ?? null,
      changedBy: snapshot.meta?.user ?? null,
      changedAt: snapshot.meta?.time ?? null,
      keys: describeSecrets(snapshot.values),
    };
  },
});

export const secretsGet = defineOp({
  op: 'app.secrets.get',
  mutating: false,
  async handle(ctx, args) {
    const snapshot = await (await ctx.state()).readSecrets(args.app);
    const value = snapshot.values[args.key];
    if (value === undefined) {
      throw new FutuswarmError('not_found', `${args.app} has no secret named ${args.key}`, { hint: `futuswarm app:secrets list -n ${args.app}` });
    }
    return { app: args.app, key: args.key, value };
  },
});

export const secretsHistory = defineOp({
  op: 'app.secrets.history',
  mutating: false,
  async handle(ctx, args) {
    const versions = await (await ctx.state()).secretsHistory(args.app, args.limit ? { limit: args.limit } : {});
    return { app: args.app, versions };
  },
});
