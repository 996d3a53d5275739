/** app.deploy: build the ServiceSpec, create or update the service, follow it to the end. */
import { FutuswarmError } from '../../core/errors.ts';
import { appUrl, buildServiceSpec, LABEL, type AppSettings, type ClusterInfo } from '../../core/service-spec.ts';
import { defineOp } from '../op.ts';
import { followRollout } from '../rollout.ts';
import { readSettingsLabel } from '../settings.ts';

export default defineOp({
  op: 'app.deploy',
  mutating: true,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const cluster: ClusterInfo = { name: ctx.config.cluster, domain: ctx.config.domain, network: ctx.config.network };
    const existing = await docker.findService(args.app);
    if (existing && existing.labels[LABEL.app] !== args.app) {
      throw new FutuswarmError('conflict', `a service named ${args.app} exists on the swarm but futuswarm does not manage it`, {
        hint: 'choose another app name, or ask an admin to remove that service',
      });
    }
    const previous = existing ? readSettingsLabel(existing.labels) : undefined;
    const port = args.port ?? previous?.port;
    if (port === undefined) {
      throw new FutuswarmError('invalid_input', `${args.app} is a new app: say which port it listens on`, {
        hint: `futuswarm app:deploy -n ${args.app} -i ${args.image} -t ${args.tag} --port 8080`,
      });
    }
    const settings: AppSettings = {
      port,
      replicas: args.replicas ?? previous?.replicas ?? 1,
      ...(args.limits ?? previous?.limits ? { limits: args.limits ?? previous?.limits } : {}),
    };
    const image = `${args.image}:${args.tag}`;
    const previousRelease = Number(existing?.labels[LABEL.release] ?? 0);
    const timing = { monitorSeconds: ctx.config.deploy.monitorSeconds, stopGraceSeconds: ctx.config.deploy.stopGraceSeconds };

    let spec = buildServiceSpec(args.app, settings, { number: previousRelease, image, env: {} }, cluster, timing);
    const url = appUrl(args.app, cluster);
    if (existing && existing.labels[LABEL.specHash] === spec.Labels[LABEL.specHash] && existing.updateState !== 'paused') {
      ctx.progress('unchanged', `${args.app} already runs ${image} (release ${previousRelease}); nothing to do`);
      return { app: args.app, changed: false, release: previousRelease, image, replicas: settings.replicas, url };
    }
    const rolling = existing !== undefined && existing.labels[LABEL.templateHash] !== spec.Labels[LABEL.templateHash];
    const release = existing === undefined || rolling ? previousRelease + 1 : previousRelease;
    if (release !== previousRelease) {
      spec = buildServiceSpec(args.app, settings, { number: release, image, env: {} }, cluster, timing);
      }

    if ((await docker.ensureOverlayNetwork(cluster.network)) === 'created') {
      ctx.progress('network', `created overlay network ${cluster.network}`);
    }
    const startedAt = Date.now();
    let serviceId: string;
    if (existing) {
      ctx.progress('update', rolling
        ? `rolling ${args.app} from release ${previousRelease} to ${release} (${image}), one task at a time`
        : `updating ${args.app} to ${settings.replicas} replica(s)`);
      await docker.updateService(existing.id, existing.version, spec);
      serviceId = existing.id;
    } else {
      ctx.progress('create', `creating ${args.app} release ${release} (${image}) with ${settings.replicas} replica(s)`);
      serviceId = await docker.createService(spec);
    }

    const outcome = await followRollout(ctx, docker, {
      serviceId,
      release: String(release),
      desiredReplicas: settings.replicas,
      rolling,
      startedAt,
      timeoutSeconds: args.timeoutSeconds ?? ctx.config.deploy.timeoutSeconds,
    });
    if (outcome.status === 'failed') {
      if (!existing) {
        // A first release that never ran leaves nothing behind: there was nothing to roll back to.
        await docker.removeService(serviceId);
      }
      const what = existing
        ? outcome.rolledBack
          ? `Swarm rolled ${args.app} back to release ${previousRelease}, which keeps serving`
          : `the update of ${args.app} is stopped`
        : `removed the new service ${args.app}`;
      throw new FutuswarmError('deploy_failed', `release ${release} of ${args.app} (${image}) did not become healthy: ${outcome.reason}; ${what}`, {
        hint: 'see the task errors and log lines above; fix the image and deploy again',
        details: { tasks: outcome.taskErrors },
      });
    }
    ctx.progress('done', `${args.app} release ${release} is running: ${outcome.running}/${settings.replicas} task(s)`);
    return { app: args.app, changed: true, release, image, replicas: settings.replicas, url };
  },
});
