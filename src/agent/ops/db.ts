/**
 * db.*: an app's PostgreSQL database. By default a database and a login role on the cluster's
 * shared RDS instance; with `dedicated`, an RDS instance of the app's own. The connection URL
 * goes into the app's secrets as DATABASE_URL (and the app restarts with it); it is never part
 * of a result or a progress line.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { clusterResourceNames } from '../../core/plan-names.ts';
import {
  adminUrlFor,
  appDatabaseUrl,
  connectionInfo,
  DATABASE_URL,
  dataServicesScope,
  dropDatabase,
  existingDatabase,
  requireApp,
  type DatabaseKind,
} from '../data-services.ts';
import { defineOp } from '../op.ts';
import { restartWithSecrets } from '../secrets-restart.ts';

export const dbCreate = defineOp({
  op: 'db.create',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    await requireApp(ctx, args.app);
    const state = await ctx.state();
    const { appDatabaseNames, createAppDatabase } = await import('../../aws/postgres-provision.ts');
    const names = appDatabaseNames(args.app);
    // A DATABASE_URL someone set by hand points somewhere else: never overwrite it silently.
    const current = (await state.secrets.read(args.app)).values[DATABASE_URL];
    const currentInfo = current === undefined ? undefined : connectionInfo(current, 5432);
    if (current !== undefined && currentInfo?.user !== names.role) {
      throw new FutuswarmError('conflict', `${args.app} already has a ${DATABASE_URL} that futuswarm did not make`, {
        hint: `remove it first if the app should use a new database: futuswarm app:secrets unset -n ${args.app} ${DATABASE_URL} --confirm ${args.app}`,
      });
    }
    // Its DATABASE_URL is stored last: with it in place, the database was made whole before.
    if (currentInfo !== undefined) {
      throw new FutuswarmError('conflict', `${args.app} already has a database: ${currentInfo.database ?? names.database} on ${currentInfo.host}:${currentInfo.port}`, {
        hint: `futuswarm db:info -n ${args.app} shows it; to start over: futuswarm db:destroy -n ${args.app} --confirm ${args.app}`,
      });
    }
    const scope = dataServicesScope(ctx.config);
    const kind: DatabaseKind = args.dedicated ? 'dedicated' : 'shared';
    let instanceId = clusterResourceNames(scope.name).sharedDbInstance;
    if (kind === 'dedicated') {
      const { createDedicatedDatabase } = await import('../../aws/rds.ts');
      const created = await createDedicatedDatabase(
        scope,
        { app: args.app, ...(args.instanceClass ? { instanceClass: args.instanceClass } : {}), ...(args.storageGb ? { storageGb: args.storageGb } : {}) },
        { onProgress: (m) => ctx.progress('database', m) },
      );
      instanceId = created.instanceId;
      if (created.status !== 'available') ctx.progress('database', `waiting for database ${instanceId} to become available (a new RDS instance takes 5 to 15 minutes)`);
    } else if (args.instanceClass || args.storageGb) {
      throw new FutuswarmError('invalid_input', '--class and --storage size an instance of the app\'s own: add --dedicated', {
        hint: `futuswarm db:create -n ${args.app} --dedicated --class ${args.instanceClass ?? ctx.config.databases.instanceClass}`,
      });
    }
    const adminUrl = await adminUrlFor(ctx, kind, args.app);
    ctx.progress('database', `creating database ${names.database} and role ${names.role}${kind === 'shared' ? ' on the shared instance' : ` on ${instanceId}`}`);
    const created = await createAppDatabase({ adminUrl, app: args.app });
    const url = appDatabaseUrl(created.databaseUrl, ctx.config);
    const update = await state.secrets.update(args.app, ctx.user, () => ({ set: { [DATABASE_URL]: url } }), {
      note: `db:create (${kind})`,
      rerun: `futuswarm db:create -n ${args.app}${args.dedicated ? ' --dedicated' : ''}`,
    });
    const restart = await restartWithSecrets(ctx, args.app, update, args.restart);
    const shown = connectionInfo(url, 5432)!;
    return {
      app: args.app,
      engine: args.engine,
      kind,
      instance: instanceId,
      host: shown.host,
      port: shown.port,
      database: created.database,
      user: created.role,
      secret: DATABASE_URL,
      secretsVersion: restart.version,
      restarted: restart.restarted,
      ...(restart.release !== undefined ? { release: restart.release } : {}),
    };
  },
});

export const dbInfo = defineOp({
  op: 'db.info',
  access: 'app',
  mutating: false,
  async handle(ctx, args) {
    const url = (await (await ctx.state()).secrets.read(args.app)).values[DATABASE_URL];
    const { kind, instance } = await existingDatabase(ctx.config, args.app);
    if (url === undefined && kind !== 'dedicated') {
      throw new FutuswarmError('not_found', `${args.app} has no database`, { hint: `create one: futuswarm db:create -n ${args.app}` });
    }
    const shown = url === undefined ? undefined : connectionInfo(url, 5432);
    return {
      app: args.app,
      engine: 'postgres',
      kind,
      host: shown?.host ?? null,
      port: shown?.port ?? null,
      database: shown?.database ?? null,
      user: shown?.user ?? null,
      secret: url === undefined ? null : DATABASE_URL,
      instance: instance === undefined
        ? null
        : { id: instance.instanceId, status: instance.status, class: instance.instanceClass, engineVersion: instance.engineVersion, endpoint: instance.endpoint },
    };
  },
});

export const dbDestroy = defineOp({
  op: 'db.destroy',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    const state = await ctx.state();
    const url = (await state.secrets.read(args.app)).values[DATABASE_URL];
    const { kind } = await existingDatabase(ctx.config, args.app);
    if (kind === 'shared' && url === undefined && !ctx.config.databases.shared) {
      throw new FutuswarmError('not_found', `${args.app} has no database`, { hint: 'futuswarm db:info shows what an app has' });
    }
    const { appDatabaseNames } = await import('../../aws/postgres-provision.ts');
    const names = appDatabaseNames(args.app);
    const snapshot = await dropDatabase(ctx, args.app, kind);
    const mine = url !== undefined && connectionInfo(url, 5432)?.user === names.role;
    let restart: Awaited<ReturnType<typeof restartWithSecrets>> | undefined;
    if (mine) {
      const update = await state.secrets.update(args.app, ctx.user, () => ({ unset: [DATABASE_URL] }), {
        note: 'db:destroy',
        rerun: `futuswarm app:secrets unset -n ${args.app} ${DATABASE_URL} --confirm ${args.app}`,
      });
      restart = await restartWithSecrets(ctx, args.app, update, args.restart);
    }
    return {
      app: args.app,
      kind,
      database: names.database,
      user: names.role,
      snapshot,
      secretRemoved: mine,
      restarted: restart?.restarted ?? false,
      ...(restart?.release !== undefined ? { release: restart.release } : {}),
    };
  },
});
