/**
 * Thin adapter over dockerode on the manager's local socket. Docker failures become
 * FutuswarmErrors here; nothing above this file sees a dockerode error.
 */
import type Dockerode from 'dockerode';
import { FutuswarmError } from '../core/errors.ts';
import type { ServiceSpec } from '../core/service-spec.ts';
import type { ProxyServiceSpec } from '../core/proxy-spec.ts';

/** The service specs futuswarm builds: apps and the proxy. */
export type AnyServiceSpec = ServiceSpec | ProxyServiceSpec;

export interface ServiceInfo {
  id: string;
  version: number;
  name: string;
  labels: Record<string, string>;
  image: string;
  replicas: number;
  updateState: string | undefined;
  updateMessage: string | undefined;
  updateStartedAt: string | undefined;
  createdAt: string;
  updatedAt: string;
  /** The service's current spec as Docker reports it. */
  spec: Record<string, unknown>;
  forceUpdate: number;
}

export interface TaskInfo {
  id: string;
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
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec?: { ContainerSpec?: { Image?: string; Labels?: Record<string, string> } };
  Status?: { State?: string; Message?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

export class DockerEngine {
  private readonly docker: Dockerode;
  private constructor(docker: Dockerode) {
    this.docker = docker;
  }

  static async connect(socketPath = process.env.FUTUSWARM_DOCKER_SOCKET ?? '/var/run/docker.sock'): Promise<DockerEngine> {
    const { default: Docker } = await import('dockerode');
    return new DockerEngine(new Docker({ socketPath }));
  }

  async ensureOverlayNetwork(name: string): Promise<'created' | 'exists'> {
    const existing = await call(() => this.docker.listNetworks({ filters: { name: [name] } }));
    if (existing.some((n) => n.Name === name)) return 'exists';
    try {
      await this.docker.createNetwork({ Name: name, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: { 'futuswarm.network': name } });
      return 'created';
    } catch (e) {
      // Another deploy created it between our list and create.
      if (statusOf(e) === 409) return 'exists';
      throw translate(e);
    }
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

  async createService(spec: AnyServiceSpec): Promise<string> {
    const created = await call(() => this.docker.createService(spec as unknown as Dockerode.CreateServiceOptions));
    return (created as unknown as { id?: string; ID?: string }).id ?? (created as unknown as { ID: string }).ID;
  }

  async updateService(id: string, version: number, spec: AnyServiceSpec): Promise<void> {
    await call(() => this.docker.getService(id).update({ ...spec, version } as unknown as Dockerode.ServiceSpec & { version: number }));
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

  async imageId(ref: string): Promise<string | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return info.RepoDigests?.[0]?.split('@')[1] ?? info.Id;
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
  return {
    id: s.ID,
    version: s.Version?.Index ?? 0,
    name: spec.Name ?? '',
    labels: spec.Labels ?? {},
    image: (spec.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined)?.ContainerSpec?.Image ?? '',
    replicas: spec.Mode?.Replicated?.Replicas ?? 0,
    updateState: update?.State,
    updateMessage: update?.Message,
    updateStartedAt: update?.StartedAt,
    createdAt: s.CreatedAt ?? '',
    updatedAt: s.UpdatedAt ?? '',
    spec: spec as unknown as Record<string, unknown>,
    forceUpdate: (spec.TaskTemplate as { ForceUpdate?: number } | undefined)?.ForceUpdate ?? 0,
  };
}

function toTaskInfo(t: RawTask): TaskInfo {
  const status = t.Status ?? {};
  const labels = t.Spec?.ContainerSpec;
  return {
    id: t.ID ?? '',
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

function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'statusCode' in e ? Number((e as { statusCode: unknown }).statusCode) : undefined;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw translate(e);
  }
}

function translate(e: unknown): FutuswarmError {
  if (e instanceof FutuswarmError) return e;
  const status = statusOf(e);
  const json = (e as { json?: { message?: string } }).json;
  const message = json?.message ?? (e as Error).message ?? String(e);
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno === 'ENOENT' || errno === 'ECONNREFUSED' || errno === 'EACCES') {
    return new FutuswarmError('unavailable', `the Docker Engine on this manager cannot be reached (${errno})`, {
      hint: 'an admin should check that dockerd runs and that the futuswarm account is in the docker group',
      cause: e,
    });
  }
  if (status === 404) return new FutuswarmError('not_found', `docker: ${message}`, { cause: e });
  if (status === 409) return new FutuswarmError('conflict', `docker: ${message}`, { hint: 'someone changed the service at the same time; run the command again', cause: e });
  if (status === 503) return new FutuswarmError('unavailable', `docker: ${message}`, { hint: 'is this node a swarm manager? (docker swarm init)', cause: e });
  if (status === 400) return new FutuswarmError('invalid_input', `docker refused the request: ${message}`, { cause: e });
  return new FutuswarmError('docker', `docker: ${message}`, { cause: e });
}
