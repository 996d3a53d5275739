/**
 * admin.registry.deploy: run the cluster registry on every node (create or update the service),
 * then wait until every instance runs the new configuration and the one on this manager
 * accepts the agent's login. Also `futuswarm-agent registry:ensure` at a manager's first boot.
 */
import { FutuswarmError } from '../../core/errors.ts';
import {
  buildRegistryDocument,
  buildRegistryServiceSpec,
  REGISTRY_LABEL,
  REGISTRY_SERVICE,
  registrySecretName,
  type SecretRef,
} from '../../core/registry-spec.ts';
import { RegistryClient } from '../../registry/client.ts';
import type { RegistryDeployResult } from '../../results/admin.ts';
import { ROLLBACK_STATES, waitForGlobalService } from '../global-service.ts';
import { defineOp, type OpContext } from '../op.ts';
import { clusterRegistry, generateRegistryCredentials, registryStorage } from '../registry.ts';

export default defineOp({
  op: 'admin.registry.deploy',
  access: 'admin',
  mutating: true,
  // Always writable: this is also how an admin ends a read-only spell that a garbage
  // collection left behind.
  handle: async (ctx, args) => (await deployRegistry(ctx, args)).result,
});

export interface RegistryDeployOptions {
  timeoutSeconds?: number | undefined;
  /** Deploy it read-only (for garbage collection), marked as such since this ISO time. */
  readOnlySince?: string | undefined;
}

const OWNED = { [REGISTRY_LABEL.registry]: 'true' };

/** Also answers with the configuration's secret, which a garbage-collection job mounts too. */
export async function deployRegistry(ctx: OpContext, args: RegistryDeployOptions): Promise<{ result: RegistryDeployResult; config: SecretRef }> {
  const docker = await ctx.docker();
  const { registry } = ctx.config;
  const storage = registryStorage(ctx.config);
  const secrets = await registrySecrets(ctx, args.readOnlySince !== undefined);
  const { config } = secrets;
  const spec = buildRegistryServiceSpec(registry.image, secrets, { readOnlySince: args.readOnlySince });
  const hash = spec.Labels[REGISTRY_LABEL.specHash] ?? '';

  const existing = await docker.findService(REGISTRY_SERVICE);
  if (existing && existing.labels[REGISTRY_LABEL.registry] !== 'true') {
    throw new FutuswarmError('conflict', `a service named ${REGISTRY_SERVICE} exists on the swarm but futuswarm does not manage it`, {
      hint: `remove it (docker service rm ${REGISTRY_SERVICE}) and run futuswarm admin registry:deploy again`,
    });
  }
  const where = `s3://${storage.bucket}/${storage.prefix}`;
  const mode = args.readOnlySince ? ' (read-only)' : '';
  const unchanged = existing !== undefined && existing.labels[REGISTRY_LABEL.specHash] === hash && !ROLLBACK_STATES.has(existing.updateState ?? '');
  const startedAt = Date.now();
  let serviceId: string;
  if (existing && unchanged) {
    ctx.progress('unchanged', `${REGISTRY_SERVICE} already runs ${registry.image} with this configuration; checking it answers`);
    serviceId = existing.id;
  } else if (existing) {
    ctx.progress('update', `updating ${REGISTRY_SERVICE} to ${registry.image}${mode}, one node at a time`);
    await docker.updateService(existing.id, existing.version, spec);
    serviceId = existing.id;
  } else {
    ctx.progress('create', `creating ${REGISTRY_SERVICE} (${registry.image}) on every node, on 127.0.0.1:${registry.port}, storage ${where}`);
    serviceId = await docker.createService(spec);
  }

  const credentials = await (await ctx.state()).registryCredentials.read();
  const client = new RegistryClient(`http://${clusterRegistry(ctx.config)}`, credentials, { timeoutMs: 3000 });
  try {
    const tasks = await waitForGlobalService(ctx, docker, {
      serviceId,
      hash,
      startedAt,
      timeoutMs: (args.timeoutSeconds ?? 120) * 1000,
      async ready() {
        const answer = await client.check().catch((e: Error) => ({ status: e.message }));
        if (answer.status === 'ok') return undefined;
        return answer.status === 'unauthorized' ? `the registry on this node refuses the agent's login` : answer.status;
      },
      failed: (reason, taskErrors) =>
        new FutuswarmError('deploy_failed', `the registry did not become ready: ${reason}`, {
          hint: `check registry.image in the agent config, that every node can pull it, and that nodes can reach ${where}; docker service ps ${REGISTRY_SERVICE} shows the tasks`,
          details: { tasks: taskErrors },
        }),
    });
    await removeOldSecrets(ctx, [secrets.config.name, secrets.htpasswd.name]);
    ctx.progress('done', `${REGISTRY_SERVICE}${mode} answers on 127.0.0.1:${registry.port} of ${tasks} node(s)`);
    return {
      result: { service: REGISTRY_SERVICE, changed: !unchanged, image: registry.image, address: clusterRegistry(ctx.config), storage: where, tasks },
      config,
    };
  } catch (e) {
    // A registry that never ran leaves nothing behind; an update is rolled back by Swarm.
    if (!existing) await docker.removeService(serviceId).catch(() => undefined);
    throw e;
  }
}

/** The registry's configuration and password file as Docker secrets, made when absent. */
export async function registrySecrets(ctx: OpContext, readOnly: boolean): Promise<{ config: SecretRef; htpasswd: SecretRef }> {
  const [docker, state] = await Promise.all([ctx.docker(), ctx.state()]);
  const { credentials, created } = await state.registryCredentials.ensure(generateRegistryCredentials);
  if (created) ctx.progress('credentials', 'made the registry\'s login, sealed in the state bucket');
  const document = buildRegistryDocument({ port: ctx.config.registry.port, storage: registryStorage(ctx.config), httpSecret: credentials.httpSecret, readOnly });
  const configText = `${JSON.stringify(document, null, 2)}\n`;
  const htpasswdText = `${credentials.htpasswd}\n`;
  const configName = registrySecretName('config', configText);
  const htpasswdName = registrySecretName('htpasswd', htpasswdText);
  const [config, htpasswd] = await Promise.all([docker.ensureSecret(configName, configText, OWNED), docker.ensureSecret(htpasswdName, htpasswdText, OWNED)]);
  return { config: { id: config.id, name: configName }, htpasswd: { id: htpasswd.id, name: htpasswdName } };
}

/** Secrets of earlier configurations; Docker refuses to remove one a task still uses. */
async function removeOldSecrets(ctx: OpContext, current: readonly string[]): Promise<void> {
  const docker = await ctx.docker();
  for (const secret of await docker.listSecrets(OWNED)) {
    if (!current.includes(secret.name)) await docker.removeSecret(secret.id);
  }
}
