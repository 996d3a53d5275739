/**
 * app.logs: what the app's tasks wrote, each line named by its task and node
 * (`shop.1.x7k2p9q4m1ab@node-1`): of the tasks meant to run, or with `all` of every task Swarm
 * still knows. Without follow, the lines of all tasks are merged by time (Docker sends them task
 * by task); with follow, stored lines and new ones stream as they come until the caller leaves.
 */
import { appNotFound } from '../../core/errors.ts';
import { mergeByTime } from '../../core/log-merge.ts';
import { parseLogLine } from '../../docker/log-frames.ts';
import type { DockerEngine } from '../../docker/engine.ts';
import { LABEL } from '../../core/service-spec.ts';
import { defineOp } from '../op.ts';

const TASK_ID = 'com.docker.swarm.task.id';
const NODE_ID = 'com.docker.swarm.node.id';
/** Lines merged at once: a bigger log is merged in windows of this many, to bound the agent's memory. */
const MERGE_WINDOW = 20_000;

interface TimedLine {
  time: string | undefined;
  stream: 'stdout' | 'stderr';
  source: string;
  line: string;
}

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
      // Always asked for: the merge needs them; shown only when the caller asked.
      timestamps: true,
      details: true,
      ...(args.sinceSeconds !== undefined ? { since: Math.floor(Date.now() / 1000) - args.sinceSeconds } : {}),
      ...(args.tail !== undefined ? { tail: args.tail } : {}),
    };
    const window: TimedLine[] = [];
    const send = (l: TimedLine) => {
      ctx.emit({ type: 'log', stream: l.stream, source: l.source, line: args.timestamps && l.time ? `${l.time} ${l.line}` : l.line });
      lines++;
    };
    const flush = () => {
      for (const l of mergeByTime(window)) send(l);
      window.length = 0;
    };
    for await (const raw of docker.serviceLogs(service.id, options, signal)) {
      const line = parseLogLine(raw.text, { timestamps: true, details: true });
      const taskId = line.attrs[TASK_ID];
      if (!args.all && taskId && !(await names.live(taskId))) continue;
      const timed = { time: line.time, stream: raw.stream, source: await names.of(taskId, line.attrs[NODE_ID]), line: line.message };
      if (options.follow) send(timed);
      else if (window.push(timed) >= MERGE_WINDOW) flush();
    }
    flush();
    return { app: args.app, lines };
  },
});

/** `<app>.<slot>.<task id>@<node>`, as `docker service logs` names them; looked up once each. */
export class TaskNames {
  readonly #docker: DockerEngine;
  readonly #app: string;
  readonly #serviceId: string;
  readonly #slots = new Map<string, number | undefined>();
  readonly #live = new Set<string>();
  #nodes: Map<string, string> | undefined;
  #lastRefresh = 0;

  constructor(docker: DockerEngine, app: string, serviceId: string) {
    this.#docker = docker;
    this.#app = app;
    this.#serviceId = serviceId;
  }

  /** Whether the task is meant to run (Swarm's desired state), not one that ended or was replaced; one too new to be listed yet is. */
  async live(taskId: string): Promise<boolean> {
    await this.#know(taskId);
    return !this.#slots.has(taskId) || this.#live.has(taskId);
  }

  async of(taskId: string | undefined, nodeId: string | undefined): Promise<string> {
    if (!taskId) return this.#app;
    await this.#know(taskId);
    this.#nodes ??= new Map((await this.#docker.listNodes().catch(() => [])).map((n) => [n.id, n.hostname]));
    const slot = this.#slots.get(taskId);
    const node = nodeId ? (this.#nodes.get(nodeId) ?? nodeId.slice(0, 12)) : undefined;
    return `${this.#app}.${slot ?? '?'}.${taskId.slice(0, 12)}${node ? `@${node}` : ''}`;
  }

  /** Lists the service's tasks again when one is new to us, at most once a second. */
  async #know(taskId: string): Promise<void> {
    if (this.#slots.has(taskId) || Date.now() - this.#lastRefresh <= 1000) return;
    this.#lastRefresh = Date.now();
    this.#live.clear();
    for (const t of await this.#docker.listTasks(this.#serviceId).catch(() => [])) {
      this.#slots.set(t.id, t.slot);
      if (t.desiredState === 'running') this.#live.add(t.id);
    }
  }
}
