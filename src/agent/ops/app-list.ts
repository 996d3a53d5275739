/** app.list: every app on the cluster with its release and task counts, created ones included. */
import { appUrl, LABEL } from '../../core/service-spec.ts';
import { clusterInfo } from '../../config/agent-config.ts';
import { defineOp } from '../op.ts';
import type { AppSummary } from '../../results/app.ts';

export default defineOp({
  op: 'app.list',
  access: 'read',
  mutating: false,
  async handle(ctx) {
    const docker = await ctx.docker();
    const records = (await ctx.state()).apps;
    // Two Docker reads however many apps there are (the services, and every task meant to run),
    // and one listing of the apps' records, all at once.
    const [services, tasks, names] = await Promise.all([docker.listServices(LABEL.app), docker.listAllTasks('running'), records.names()]);
    const running = new Map<string, number>();
    for (const t of tasks) if (t.state === 'running') running.set(t.serviceId, (running.get(t.serviceId) ?? 0) + 1);
    const cluster = clusterInfo(ctx.config);
    const apps: AppSummary[] = services.map((s) => {
      const app = s.labels[LABEL.app] ?? s.name;
      return {
        app,
        release: Number(s.labels[LABEL.release] ?? 0),
        image: s.image.split('@')[0] ?? s.image,
        running: running.get(s.id) ?? 0,
        desired: s.replicas,
        url: appUrl(app, cluster),
        updatedAt: s.updatedAt,
        deployed: true,
      };
    });
    // Records are read only for apps without a service: one listing for the usual case.
    const deployed = new Set(apps.map((a) => a.app));
    for (const record of await records.list(names.filter((app) => !deployed.has(app)))) {
      apps.push({ app: record.app, release: 0, image: '', running: 0, desired: 0, url: appUrl(record.app, cluster), updatedAt: record.createdAt, deployed: false });
    }
    return { apps: apps.sort((a, b) => a.app.localeCompare(b.app)) };
  },
});
