/**
 * Thin adapter over dockerode on the manager's local socket: services, tasks, secrets, images,
 * logs and exec here, the swarm's nodes in nodes.ts and its networks in networks.ts. Docker failures become FutuswarmErrors
 * (docker-errors.ts); nothing above src/docker sees a dockerode error.
 *
 * Over 400 lines because it is the one place the agent calls the Engine API for services,
 * tasks, secrets, images, logs and exec: one short method per call, kept together so that every
 * call is translated the same way.
 */
import type Dockerode from 'dockerode';
import { call, statusOf, translate } from './docker-errors.ts';
import { SwarmNodes, type NodeInfo } from './nodes.ts';
import { OverlayNetworks } from './networks.ts';
import { engineSocketPath } from './engine-socket.ts';
import type { ServiceSpec } from '../core/service-spec.ts';
import { isOneOffService } from '../core/job-spec.ts';
import type { RegistryGcJobSpec } from '../core/registry-gc.ts';
import type { RegistryServiceSpec } from '../core/registry-spec.ts';
import type { ProxyServiceSpec } from '../core/proxy-spec.ts';
import type { JobSpec } from '../core/job-spec.ts';
import type { Duplex } from 'node:stream';
import { FrameDecoder, LineSplitter, type LogLine } from './log-frames.ts';

/** A registry login as the Engine API takes it (X-Registry-Auth). Never logged. */
type ServiceUpdate = Dockerode.ServiceSpec & { version: number };

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** The service specs futuswarm builds: apps, one-off jobs, the proxy and the registry (and its clean-up job). */
export type AnyServiceSpec = ServiceSpec | JobSpec | ProxyServiceSpec | RegistryServiceSpec | RegistryGcJobSpec;

export interface ImageInfo {
  /** The local image ID (sha256:…). */
  id: string;
  /** repo@sha256:… references from registries the image was pulled from or pushed to. */
  repoDigests: string[];
  /** repo:tag names that point to it on this node. */
  repoTags: string[];
  /** Whether the image declares a HEALTHCHECK of its own. */
  healthcheck: boolean;
  /** What its EXPOSE lines declare, as Docker writes them: `8000/tcp`. */
  exposedPorts: string[];
}

export interface LogOptions {
  follow?: boolean;
  /** Unix time (seconds): only lines written since. */
  since?: number;
  tail?: number;
  timestamps?: boolean;
  /** Swarm's per-line attributes (task, node): always on for service logs. */
  details?: boolean;
}

export interface HealthProbe {
  exitCode: number;
  output: string;
}

export interface ExecSession {
  /** Input goes to the process; output comes framed (no TTY) or raw (TTY). */
  stream: Duplex;
  tty: boolean;
  resize(cols: number, rows: number): Promise<void>;
  /** The process's exit code once it has ended; undefined when Docker does not know it. */
  exitCode(): Promise<number | undefined>;
}

export interface ServiceInfo {
  id: string;
  version: number;
  name: string;
  labels: Record<string, string>;
  image: string;
  replicas: number;
  /** How Swarm runs it: a number of replicas, one task per node, or to completion (jobs). */
  mode: ServiceMode;
  /** Where its tasks may run: constraints such as `node.role==manager`, and tasks per node at most. */
  placement: { constraints: string[]; maxReplicas: number | undefined };
  updateState: string | undefined;
  updateMessage: string | undefined;
  updateStartedAt: string | undefined;
  createdAt: string;
  updatedAt: string;
  /** The service's current spec as Docker reports it. */
  spec: Record<string, unknown>;
  forceUpdate: number;
}

export type ServiceMode = 'replicated' | 'global' | 'replicated-job' | 'global-job';

export interface TaskInfo {
  id: string;
  serviceId: string;
  slot: number | undefined;
  nodeId: string | undefined;
  state: string;
  desiredState: string;
  message: string;
  error: string | undefined;
  exitCode: number | undefined;
  containerId: string | undefined;
  release: string | undefined;
  /** The task's container labels. */
  labels: Record<string, string>;
  /** The task's addresses (without prefix length), by network name. */
  addresses: Record<string, string[]>;
  image: string;
  createdAt: string;
  updatedAt: string;
  /** When the task entered its current state (ms since epoch). */
  since: number;
}

/** A task as the Engine API returns it (the dockerode typings describe the Task class instead). */
interface RawTask {
  ID?: string;
  ServiceID?: string;
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec?: { ContainerSpec?: { Image?: string; Labels?: Record<string, string> } };
  Status?: { State?: string; Message?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

export type { NodeInfo } from './nodes.ts';

export class DockerEngine {
  private readonly docker: Dockerode;
  /** The swarm's nodes: inspect, update, remove. */
  readonly nodes: SwarmNodes;
  /** The swarm's overlay networks: the proxy's and the apps' own. */
  readonly networks: OverlayNetworks;
  private constructor(docker: Dockerode) {
    this.docker = docker;
    this.nodes = new SwarmNodes(docker);
    this.networks = new OverlayNetworks(docker);
  }

  static async connect(socketPath = engineSocketPath()): Promise<DockerEngine> {
    const { default: Docker } = await import('dockerode');
    return new DockerEngine(new Docker({ socketPath }));
  }

  async ensureOverlayNetwork(name: string, labels: Record<string, string> = {}): Promise<'created' | 'exists'> {
    return this.networks.ensure(name, labels);
  }

  async findService(name: string): Promise<ServiceInfo | undefined> {
    const list = await call(() => this.docker.listServices({ filters: { name: [name] } }));
    const found = list.find((s) => s.Spec?.Name === name);
    return found ? toServiceInfo(found) : undefined;
  }

  async findServiceById(id: string): Promise<ServiceInfo | undefined> {
    try {
      return toServiceInfo((await this.docker.getService(id).inspect()) as Dockerode.Service);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw translate(e);
    }
  }

  async listServices(label: string): Promise<ServiceInfo[]> {
    const list = await call(() => this.docker.listServices({ filters: { label: [label] } }));
    return list.map(toServiceInfo);
  }

  /**
   * `auth` is the registry login every node pulls the image with (the API's X-Registry-Auth);
   * Swarm keeps it with the task, so a task rescheduled tomorrow pulls with it too.
   */
  async createService(spec: AnyServiceSpec, auth?: RegistryAuth): Promise<string> {
    const created = await call(() =>
      auth
        ? this.docker.createService(auth as unknown as object, spec as unknown as Dockerode.CreateServiceOptions)
        : this.docker.createService(spec as unknown as Dockerode.CreateServiceOptions),
    );
    return (created as unknown as { id?: string; ID?: string }).id ?? (created as unknown as { ID: string }).ID;
  }

  async updateService(id: string, version: number, spec: AnyServiceSpec, auth?: RegistryAuth): Promise<void> {
    const options = { ...spec, version } as unknown as ServiceUpdate;
    const service = this.docker.getService(id) as unknown as { update(auth: object | ServiceUpdate, opts?: ServiceUpdate): Promise<unknown> };
    await call(() => (auth ? service.update(auth, options) : service.update(options)));
  }

  /** Create a Swarm secret (immutable); `exists` when one of that name is there already. */
  async ensureSecret(name: string, data: string, labels: Record<string, string>): Promise<{ id: string; created: boolean }> {
    const found = (await this.listSecrets(labels)).find((x) => x.name === name);
    if (found) return { id: found.id, created: false };
    try {
      const created = (await this.docker.createSecret({ Name: name, Labels: labels, Data: Buffer.from(data, 'utf8').toString('base64') })) as unknown as { id?: string; ID?: string };
      return { id: created.id ?? created.ID ?? '', created: true };
    } catch (e) {
      if (statusOf(e) !== 409) throw translate(e);
      const again = (await this.listSecrets(labels)).find((x) => x.name === name);
      if (!again) throw translate(e);
      return { id: again.id, created: false };
    }
  }

  async listSecrets(labels: Record<string, string>): Promise<{ id: string; name: string }[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const list = (await call(() => this.docker.listSecrets({ filters }))) as { ID?: string; Spec?: { Name?: string } }[];
    return list.map((x) => ({ id: x.ID ?? '', name: x.Spec?.Name ?? '' }));
  }

  /** Remove a secret; false when a service still uses it (or it is gone). */
  async removeSecret(id: string): Promise<boolean> {
    try {
      await this.docker.getSecret(id).remove();
      return true;
    } catch {
      return false;
    }
  }

  async removeService(id: string): Promise<void> {
    await call(() => this.docker.getService(id).remove());
  }

  async listTasks(serviceId: string): Promise<TaskInfo[]> {
    const tasks = (await call(() => this.docker.listTasks({ filters: { service: [serviceId] } }))) as unknown as RawTask[];
    return tasks.map(toTaskInfo).sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  }

  /** The last lines a task's container wrote; empty when the container is gone. */
  async taskLogs(taskId: string, tail: number): Promise<string[]> {
    try {
      const task = this.docker.getTask(taskId) as unknown as { logs(o: object): Promise<unknown> };
      const data = await task.logs({ stdout: true, stderr: true, tail, follow: false });
      return demuxLogLines(Buffer.isBuffer(data) ? data : Buffer.from(String(data ?? '')));
    } catch {
      return [];
    }
  }

  /** This node's swarm node ID; undefined when it is not in a swarm. */
  async swarmNodeId(): Promise<string | undefined> {
    const info = (await call(() => this.docker.info())) as { Swarm?: { NodeID?: string } };
    return info.Swarm?.NodeID || undefined;
  }

  /**
   * A container's address on this node's docker_gwbridge: how processes on the node itself
   * reach a swarm task's unpublished ports (overlay addresses are not routed to the host).
   */
  async bridgeAddress(containerId: string): Promise<string | undefined> {
    try {
      const net = (await this.docker.getNetwork('docker_gwbridge').inspect()) as { Containers?: Record<string, { IPv4Address?: string }> };
      return net.Containers?.[containerId]?.IPv4Address?.split('/')[0] || undefined;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw translate(e);
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      const test = (info.Config as { Healthcheck?: { Test?: string[] } } | undefined)?.Healthcheck?.Test;
      return {
        id: info.Id,
        repoDigests: info.RepoDigests ?? [],
        repoTags: info.RepoTags ?? [],
        healthcheck: Array.isArray(test) && test.length > 0 && test[0] !== 'NONE',
        exposedPorts: Object.keys((info.Config as { ExposedPorts?: Record<string, unknown> } | undefined)?.ExposedPorts ?? {}),
      };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw translate(e);
    }
  }

  /** Whether the image's registry has `ref` (repo@sha256:…); false when it cannot be asked. */
  async registryHas(ref: string): Promise<boolean> {
    try {
      const image = this.docker.getImage(ref) as unknown as { distribution(o: object): Promise<unknown> };
      await image.distribution({ abortSignal: AbortSignal.timeout(10_000) });
      return true;
    } catch {
      return false;
    }
  }

  async listNodes(): Promise<NodeInfo[]> {
    return this.nodes.list();
  }

  /** Every service's tasks; with `desiredState`, only those Swarm wants in that state. */
  async listAllTasks(desiredState?: 'running'): Promise<TaskInfo[]> {
    const filters = desiredState ? { 'desired-state': [desiredState] } : {};
    const tasks = (await call(() => this.docker.listTasks({ filters }))) as unknown as RawTask[];
    return tasks.map(toTaskInfo);
  }

  /** Every service, futuswarm's or not. */
  async listAllServices(): Promise<ServiceInfo[]> {
    return (await call(() => this.docker.listServices())).map(toServiceInfo);
  }

  /** How many tasks run on each node (by node ID), over every service. */
  async runningTasksByNode(): Promise<Map<string, number>> {
    const tasks = (await call(() => this.docker.listTasks({ filters: { 'desired-state': ['running'] } }))) as unknown as RawTask[];
    const counts = new Map<string, number>();
    for (const t of tasks.map(toTaskInfo)) {
      if (t.state === 'running' && t.nodeId) counts.set(t.nodeId, (counts.get(t.nodeId) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Lines of a service's logs (all its tasks), decoded as they arrive. With `follow`, the
   * stream stays open until `signal` aborts; without, it ends after the last stored line.
   */
  async *serviceLogs(serviceId: string, options: LogOptions, signal?: AbortSignal): AsyncGenerator<LogLine> {
    const query = {
      stdout: true,
      stderr: true,
      follow: options.follow === true,
      timestamps: options.timestamps === true,
      details: options.details === true,
      ...(options.since !== undefined ? { since: options.since } : {}),
      ...(options.tail !== undefined ? { tail: options.tail } : {}),
      ...(signal ? { abortSignal: signal } : {}),
    };
    let data: unknown;
    try {
      data = await this.docker.getService(serviceId).logs(query as never);
    } catch (e) {
      if (signal?.aborted) return;
      throw translate(e);
    }
    const frames = new FrameDecoder();
    const lines = new LineSplitter();
    if (Buffer.isBuffer(data) || typeof data === 'string') {
      for (const chunk of [...frames.push(Buffer.from(data)), ...frames.end()]) yield* lines.push(chunk);
      yield* lines.end();
      return;
    }
    const stream = data as NodeJS.ReadableStream & { destroy(): void };
    const stop = () => stream.destroy();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const chunk of stream) {
        for (const c of frames.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string))) yield* lines.push(c);
      }
    } catch (e) {
      if (!signal?.aborted) throw translate(e);
    } finally {
      signal?.removeEventListener('abort', stop);
      stream.destroy();
    }
    for (const c of frames.end()) yield* lines.push(c);
    yield* lines.end();
  }

  /** The last results of a container's health probes (only for containers on this node). */
  async healthLog(containerId: string): Promise<HealthProbe[]> {
    try {
      const info = (await this.docker.getContainer(containerId).inspect()) as { State?: { Health?: { Log?: { ExitCode?: number; Output?: string }[] } } };
      return (info.State?.Health?.Log ?? []).map((l) => ({ exitCode: l.ExitCode ?? -1, output: l.Output ?? '' }));
    } catch {
      return [];
    }
  }

  /** A running container's labels on this node, or undefined when there is no such running container. */
  async runningContainerLabels(containerId: string): Promise<Record<string, string> | undefined> {
    try {
      const info = (await this.docker.getContainer(containerId).inspect()) as { State?: { Running?: boolean }; Config?: { Labels?: Record<string, string> | null } };
      return info.State?.Running ? (info.Config?.Labels ?? {}) : undefined;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw translate(e);
    }
  }

  /** A container's state and labels on this node, running or not; undefined when there is none. */
  async containerLabels(containerId: string): Promise<{ running: boolean; labels: Record<string, string> } | undefined> {
    try {
      const info = (await this.docker.getContainer(containerId).inspect()) as { State?: { Running?: boolean }; Config?: { Labels?: Record<string, string> | null } };
      return { running: info.State?.Running === true, labels: info.Config?.Labels ?? {} };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw translate(e);
    }
  }

  /** Remove a container on this node (and its anonymous volumes); false when it was gone already. */
  async removeContainer(containerId: string): Promise<boolean> {
    try {
      await this.docker.getContainer(containerId).remove({ force: true, v: true });
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw translate(e);
    }
  }

  /** Start `cmd` in a running container on this node and attach to it. */
  async exec(containerId: string, o: { cmd: string[]; tty: boolean; stdin: boolean; cols?: number; rows?: number }): Promise<ExecSession> {
    const container = this.docker.getContainer(containerId);
    const exec = await call(() =>
      container.exec({ Cmd: o.cmd, AttachStdin: o.stdin, AttachStdout: true, AttachStderr: true, Tty: o.tty }),
    );
    const stream = (await call(() =>
      exec.start({ hijack: true, stdin: o.stdin, Detach: false, Tty: o.tty } as never),
    )) as unknown as Duplex;
    const resize = async (cols: number, rows: number): Promise<void> => {
      // A resize racing the end of the process is harmless: nothing is left to draw.
      await exec.resize({ w: cols, h: rows } as never).catch(() => undefined);
    };
    if (o.tty && o.cols && o.rows) await resize(o.cols, o.rows);
    return {
      stream,
      tty: o.tty,
      resize,
      async exitCode() {
        for (let i = 0; i < 20; i++) {
          const info = (await call(() => exec.inspect())) as { Running?: boolean; ExitCode?: number | null };
          if (!info.Running) return info.ExitCode ?? undefined;
          await new Promise((r) => setTimeout(r, 50));
        }
        return undefined;
      },
    };
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      // The digest in the reference's own repository; another repository's (the same image
      // pushed for another app) may be deleted with that app, so the image's ID instead.
      const repository = (ref.split('@')[0] ?? ref).replace(/:[^/:]+$/, '');
      return info.RepoDigests?.find((d) => d.split('@')[0] === repository)?.split('@')[1] ?? info.Id;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw translate(e);
    }
  }
}

/** Docker's multiplexed log stream: 8-byte frame headers, then the payload. */
export function demuxLogLines(buffer: Buffer): string[] {
  const chunks: string[] = [];
  let offset = 0;
  const framed = buffer.length >= 8 && (buffer[0] === 1 || buffer[0] === 2) && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!framed) return buffer.toString('utf8').split('\n').filter((l) => l !== '');
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    chunks.push(buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return chunks.join('').split('\n').filter((l) => l !== '');
}

function toServiceInfo(s: Dockerode.Service): ServiceInfo {
  const spec = s.Spec ?? ({} as NonNullable<Dockerode.Service['Spec']>);
  const update = (s as unknown as { UpdateStatus?: { State?: string; Message?: string; StartedAt?: string } }).UpdateStatus;
  const placement = (spec.TaskTemplate as { Placement?: { Constraints?: string[]; MaxReplicas?: number } } | undefined)?.Placement;
  return {
    id: s.ID,
    version: s.Version?.Index ?? 0,
    name: spec.Name ?? '',
    labels: spec.Labels ?? {},
    image: (spec.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined)?.ContainerSpec?.Image ?? '',
    replicas: spec.Mode?.Replicated?.Replicas ?? 0,
    // futuswarm's one-off runs are replicated services of one task that runs once: jobs.
    mode: isOneOffService(spec.Labels ?? {}) ? 'replicated-job' : serviceMode(spec.Mode as Record<string, unknown> | undefined),
    placement: {
      constraints: placement?.Constraints ?? [],
      maxReplicas: placement?.MaxReplicas || undefined,
    },
    updateState: update?.State,
    updateMessage: update?.Message,
    updateStartedAt: update?.StartedAt,
    createdAt: s.CreatedAt ?? '',
    updatedAt: s.UpdatedAt ?? '',
    spec: spec as unknown as Record<string, unknown>,
    forceUpdate: (spec.TaskTemplate as { ForceUpdate?: number } | undefined)?.ForceUpdate ?? 0,
  };
}

function serviceMode(mode: Record<string, unknown> | undefined): ServiceMode {
  if (mode?.Global) return 'global';
  if (mode?.ReplicatedJob) return 'replicated-job';
  if (mode?.GlobalJob) return 'global-job';
  return 'replicated';
}

function toTaskInfo(t: RawTask): TaskInfo {
  const status = t.Status ?? {};
  const labels = t.Spec?.ContainerSpec;
  return {
    id: t.ID ?? '',
    serviceId: t.ServiceID ?? '',
    slot: t.Slot,
    nodeId: t.NodeID,
    state: status.State ?? 'unknown',
    desiredState: t.DesiredState ?? 'unknown',
    message: status.Message ?? '',
    error: status.Err,
    exitCode: status.ContainerStatus?.ExitCode,
    containerId: status.ContainerStatus?.ContainerID,
    release: labels?.Labels?.['futuswarm.release'],
    labels: labels?.Labels ?? {},
    addresses: Object.fromEntries(
      (t.NetworksAttachments ?? []).map((a) => [a.Network?.Spec?.Name ?? '', (a.Addresses ?? []).map((addr) => addr.split('/')[0] ?? addr)]),
    ),
    image: labels?.Image ?? '',
    createdAt: t.CreatedAt ?? '',
    updatedAt: t.UpdatedAt ?? '',
    since: Date.parse(status.Timestamp ?? t.UpdatedAt ?? '') || 0,
  };
}
