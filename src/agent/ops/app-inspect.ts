/** app.inspect: one app in detail: image, replicas, tasks and their states, routes, labels. */
import { appNotFound, FutuswarmError, isFutuswarmError } from '../../core/errors.ts';
import { appSettingsSchema } from '../../core/app-settings.ts';
import { describeConstraint, specKeepsToWorkers } from '../../core/placement.ts';
import { appHosts, appUrl, LABEL } from '../../core/service-spec.ts';
import { clusterInfo } from '../../config/agent-config.ts';
import type { TaskInfo } from '../../docker/engine.ts';
import { mayManage } from '../acl.ts';
import { linkingTo } from '../app-networks.ts';
import { defineOp } from '../op.ts';
import { limitsOfSpec } from '../../core/task-limits.ts';
import { inspectForOthers } from '../owners-only.ts';
import { pendingSecrets } from '../live-app.ts';
import { routesFor } from '../proxy-status.ts';
import { readSettingsLabel } from '../settings.ts';

export default defineOp({
  op: 'app.inspect',
  access: 'read',
  mutating: false,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const state = await ctx.state();
    // Asked at once: what S3, the directory and the proxy say, the apps' services and the tasks
    // of the service named after the app (Docker takes a name where it takes an ID). One listing
    // of the apps' services finds this one and the apps that link to it; the tasks count only if
    // they are that service's. Only the secrets check waits for the service itself.
    const managing = mayManage(ctx, args.app);
    const services = docker.listServices(LABEL.app);
    const named = docker.listTasks(args.app).catch((e: unknown): TaskInfo[] => {
      if (isFutuswarmError(e) && e.code === 'not_found') return []; // no service of that name
      throw e;
    });
    const ours = services.then((list) => list.find((s) => s.name === args.app && s.labels[LABEL.app] === args.app));
    const tasks = ours.then(async (s) => (s ? (await named).filter((t) => t.serviceId === s.id) : []));
    const early = {
      stored: state.settings.get(args.app),
      secrets: state.secrets.read(args.app),
      manager: managing,
      tasks,
      nodes: docker.listNodes(),
      routes: routesFor(docker, args.app, { tasks }),
      linkedFrom: services.then((list) => linkingTo(list, args.app)),
    };
    for (const promise of Object.values(early)) promise.catch(() => undefined); // unread when the app is not found
    const service = await ours;
    if (!service) {
      const record = await state.apps.get(args.app);
      if (record) {
        throw new FutuswarmError('not_found', `${args.app} has not been deployed yet (created by ${record.record.createdBy} at ${record.record.createdAt})`, {
          hint: `futuswarm app:deploy -n ${args.app} -i <image> -t <tag> --port <port> starts it; app:secrets list, db:info and app:owners show what is attached`,
        });
      }
      throw appNotFound(args.app);
    }
    const [stored, routes, pending, manager, linkedFrom, taskList, nodes] = await Promise.all([
      early.stored,
      early.routes,
      // Unreadable secrets (KMS not answering) must not hide the rest of the app.
      pendingSecrets(ctx, args.app, service, early.secrets).catch((e: Error) => {
        ctx.progress('secrets', `warning: cannot tell whether stored secrets are waiting for a deploy: ${e.message}`);
        return undefined;
      }),
      early.manager,
      early.linkedFrom,
      early.tasks,
      early.nodes,
    ]);
    const hostnames = new Map(nodes.map((n) => [n.id, n.hostname]));
    const cluster = clusterInfo(ctx.config);
    const settings = stored ? appSettingsSchema.parse(stored.settings) : readSettingsLabel(service.labels);
    const result = {
      app: args.app,
      release: Number(service.labels[LABEL.release] ?? 0),
      // As deployed (a digest pins it); Swarm appends the digest it resolved a tag to.
      image: service.labels[LABEL.image] ?? service.image.split('@')[0] ?? service.image,
      replicas: { running: taskList.filter((t) => t.state === 'running' && t.desiredState === 'running').length, desired: service.replicas },
      settings,
      limits: limitsOfSpec(service.spec),
      placement: {
        constraints: (settings?.placement?.constraints ?? []).map(describeConstraint),
        spread: settings?.placement?.spread ?? [],
        workersOnly: specKeepsToWorkers(service.spec),
      },
      url: appUrl(args.app, cluster),
      domains: settings?.internal ? [] : appHosts(args.app, settings ?? { domains: [] }, cluster),
      linkedFrom,
      update: service.updateState ? { state: service.updateState, message: service.updateMessage ?? '' } : undefined,
      tasks: taskList.slice(-20).map((t) => ({
        id: t.id.slice(0, 12),
        slot: t.slot,
        /** The node's host name (its ID when Swarm does not know one). */
        node: t.nodeId ? (hostnames.get(t.nodeId) ?? t.nodeId.slice(0, 12)) : undefined,
        release: t.release,
        state: t.state,
        desiredState: t.desiredState,
        error: t.error,
        since: new Date(t.since).toISOString(),
      })),
      /** What the proxy on this manager routes to the app, and each server's health. */
      routes,
      labels: service.labels,
      ...(pending !== undefined ? { pendingSecrets: pending } : {}),
      createdAt: service.createdAt,
      updatedAt: service.updatedAt,
    };
    return manager ? result : inspectForOthers(result);
  },
});

