/**
 * db.*: an app's PostgreSQL database. By default a database and a login role on the cluster's
 * shared RDS instance; with `dedicated`, an RDS instance of the app's own. The connection URL
 * goes into the app's secrets as DATABASE_URL (and the app restarts with it); it is never part
 * of a result or a progress line.
 */
import type { DatabaseInstanceInfo } from '../../aws/rds.ts';
import { FutuswarmError } from '../../core/errors.ts';
import { appDbInstanceId, clusterResourceNames } from '../../core/plan-names.ts';
import type { AgentConfig } from '../../config/agent-config.ts';
import {
  adminConnectionParams,
  appDatabaseUrl,
  connectionInfo,
  DATABASE_URL,
  dataServicesScope,
  requireApp,
  withParams,
} from '../data-services.ts';
import { defineOp, type OpContext } from '../op.ts';
import { restartWithSecrets } from '../secrets-restart.ts';

type Kind = 'shared' | 'dedicated';

async function adminUrlFor(ctx: OpContext, kind: Kind, app: string): Promise<string> {
  const scope = dataServicesScope(ctx.config);
  const rds = await import('../../aws/rds.ts');
  const override = kind === 'shared' ? ctx.config.databases.sharedEndpointOverride : ctx.config.databases.dedicatedEndpointOverride;
  const options = {
    onProgress: (m: string) => ctx.progress('database', m),
    ...(override ? { endpointOverride: override } : {}),
  };
  const admin = kind === 'shared' ? await rds.sharedDatabaseAdmin(scope, options) : await rds.dedicatedDatabaseAdmin(scope, app, options);
  return withParams(rds.adminUrl(admin), adminConnectionParams(ctx.config));
}

/** Which database the app has: its own instance if one exists, else one on the shared instance. */
async function existingKind(config: AgentConfig, app: string): Promise<{ kind: Kind; instance: DatabaseInstanceInfo | undefined }> {
  const scope = dataServicesScope(config);
  const { describeDatabaseInstance } = await import('../../aws/rds.ts');
  const own = await describeDatabaseInstance(scope.region, appDbInstanceId(scope.name, app));
  if (own !== undefined) return { kind: 'dedicated', instance: own };
  const shared = config.databases.shared ? await describeDatabaseInstance(scope.region, clusterResourceNames(scope.name).sharedDbInstance) : undefined;
  return { kind: 'shared', instance: shared };
}

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
    const kind: Kind = args.dedicated ? 'dedicated' : 'shared';
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
    const { kind, instance } = await existingKind(ctx.config, args.app);
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
    const { kind } = await existingKind(ctx.config, args.app);
    let snapshot: string | null = null;
    const { appDatabaseNames, dropAppDatabase } = await import('../../aws/postgres-provision.ts');
    const names = appDatabaseNames(args.app);
    if (kind === 'dedicated') {
      const { deleteDedicatedDatabase } = await import('../../aws/rds.ts');
      snapshot = (await deleteDedicatedDatabase(dataServicesScope(ctx.config), args.app, { onProgress: (m) => ctx.progress('database', m) })).snapshotId;
    } else {
      if (url === undefined && !ctx.config.databases.shared) {
        throw new FutuswarmError('not_found', `${args.app} has no database`, { hint: 'futuswarm db:info shows what an app has' });
      }
      ctx.progress('database', `dropping database ${names.database} and role ${names.role} on the shared instance`);
      await dropAppDatabase({ adminUrl: await adminUrlFor(ctx, 'shared', args.app), app: args.app });
    }
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
