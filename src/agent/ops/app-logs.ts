/**
 * app.logs: what the app's tasks wrote, from all of them, each line named by its task and
 * node (`shop.1.x7k2p9q4m1ab@node-1`). With follow, lines stream until the caller leaves.
 */
import { appNotFound } from '../../core/errors.ts';
import { parseLogLine } from '../../docker/log-frames.ts';
import type { DockerEngine } from '../../docker/engine.ts';
import { LABEL } from '../../core/service-spec.ts';
import { defineOp } from '../op.ts';

const TASK_ID = 'com.docker.swarm.task.id';
const NODE_ID = 'com.docker.swarm.node.id';

export default defineOp({
  op: 'app.logs',
  access: 'app',
  mutating: false,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const service = await docker.findService(args.app);
    if (!service || service.labels[LABEL.app] !== args.app) throw appNotFound(args.app);
    const signal = args.follow ? AbortSignal.any([ctx.signal, ctx.channel.watch()]) : ctx.signal;
    const names = new TaskNames(docker, args.app, service.id);
    let lines = 0;
    const options = {
      follow: args.follow === true,
      timestamps: args.timestamps === true,
      details: true,
      ...(args.sinceSeconds !== undefined ? { since: Math.floor(Date.now() / 1000) - args.sinceSeconds } : {}),
      ...(args.tail !== undefined ? { tail: args.tail } : {}),
    };
    for await (const raw of docker.serviceLogs(service.id, options, signal)) {
      const line = parseLogLine(raw.text, { timestamps: options.timestamps, details: true });
      const source = await names.of(line.attrs[TASK_ID], line.attrs[NODE_ID]);
      ctx.emit({ type: 'log', stream: raw.stream, source, line: line.time ? `${line.time} ${line.message}` : line.message });
      lines++;
    }
    return { app: args.app, lines };
  },
});

/** `<app>.<slot>.<task id>@<node>`, as `docker service logs` names them; looked up once each. */
export class TaskNames {
  readonly #docker: DockerEngine;
  readonly #app: string;
  readonly #serviceId: string;
  readonly #slots = new Map<string, number | undefined>();
  #nodes: Map<string, string> | undefined;
  #lastRefresh = 0;

  constructor(docker: DockerEngine, app: string, serviceId: string) {
    this.#docker = docker;
    this.#app = app;
    this.#serviceId = serviceId;
  }

  async of(taskId: string | undefined, nodeId: string | undefined): Promise<string> {
    if (!taskId) return this.#app;
    if (!this.#slots.has(taskId) && Date.now() - this.#lastRefresh > 1000) {
      this.#lastRefresh = Date.now();
      for (const t of await this.#docker.listTasks(this.#serviceId).catch(() => [])) this.#slots.set(t.id, t.slot);
    }
    this.#nodes ??= new Map((await this.#docker.listNodes().catch(() => [])).map((n) => [n.id, n.hostname]));
    const slot = this.#slots.get(taskId);
    const node = nodeId ? (this.#nodes.get(nodeId) ?? nodeId.slice(0, 12)) : undefined;
    return `${this.#app}.${slot ?? '?'}.${taskId.slice(0, 12)}${node ? `@${node}` : ''}`;
  }
}
