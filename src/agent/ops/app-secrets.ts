/**
 * app.secrets.*: the app's environment, envelope-encrypted in the state store. Setting or
 * unsetting rolls the running app to the new environment, health-gated like a deploy.
 */
import { describeSecrets } from '../../core/secrets.ts';
import { FutuswarmError } from '../../core/errors.ts';
import { defineOp } from '../op.ts';
import { requireApp } from '../release.ts';
import { restartWithSecrets } from '../secrets-restart.ts';

export const secretsSet = defineOp({
  op: 'app.secrets.set',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    await requireApp(ctx, args.app);
    const state = await ctx.state();
    const update = await state.secrets.update(args.app, ctx.user, () => ({ set: args.values }), {
      rerun: `futuswarm app:secrets set -n ${args.app} ${Object.keys(args.values).map((k) => `${k}=…`).join(' ')}`,
    });
    return restartWithSecrets(ctx, args.app, update, args.restart);
  },
});

export const secretsUnset = defineOp({
  op: 'app.secrets.unset',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    await requireApp(ctx, args.app);
    const state = await ctx.state();
    const update = await state.secrets.update(args.app, ctx.user, () => ({ unset: args.keys }), {
      rerun: `futuswarm app:secrets unset -n ${args.app} ${args.keys.join(' ')} --confirm ${args.app}`,
    });
    return restartWithSecrets(ctx, args.app, update, args.restart);
  },
});

export const secretsList = defineOp({
  op: 'app.secrets.list',
  access: 'app',
  mutating: false,
  async handle(ctx, args) {
    const snapshot = await (await ctx.state()).secrets.read(args.app);
    if (snapshot.versionId === undefined) await requireApp(ctx, args.app);
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
  access: 'app',
  mutating: false,
  /** Who read which secret is worth knowing; the value never enters the record. */
  audit: true,
  async handle(ctx, args) {
    const snapshot = await (await ctx.state()).secrets.read(args.app);
    const value = snapshot.values[args.key];
    if (snapshot.versionId === undefined) await requireApp(ctx, args.app);
    if (value === undefined) {
      throw new FutuswarmError('not_found', `${args.app} has no secret named ${args.key}`, { hint: `futuswarm app:secrets list -n ${args.app}` });
    }
    return { app: args.app, key: args.key, value };
  },
});

/** Who may read one value may read them all: the same access, and audited the same way. */
export const secretsExport = defineOp({
  op: 'app.secrets.export',
  access: 'app',
  mutating: false,
  audit: true,
  async handle(ctx, args) {
    const snapshot = await (await ctx.state()).secrets.read(args.app);
    if (snapshot.versionId === undefined) await requireApp(ctx, args.app);
    return { app: args.app, version: snapshot.versionId ?? null, values: { ...snapshot.values } };
  },
});

export const secretsHistory = defineOp({
  op: 'app.secrets.history',
  access: 'app',
  mutating: false,
  async handle(ctx, args) {
    const versions = await (await ctx.state()).secrets.history(args.app, args.limit ? { limit: args.limit } : {});
    if (versions.length === 0) await requireApp(ctx, args.app);
    return { app: args.app, versions };
  },
});
