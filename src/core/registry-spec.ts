/**
 * The cluster registry as data: CNCF Distribution's configuration document and the Swarm
 * ServiceSpec that runs it on every node, on the host network, listening on loopback only.
 *
 * Why this shape (docs/decisions.md): Docker speaks plain HTTP only to a loopback registry, and
 * without IPVS a routing-mesh port does not answer; so every node runs an instance on its own
 * 127.0.0.1:<port>, all over one S3 storage, and every node pulls from itself. Nothing listens
 * beyond loopback; htpasswd auth guards even that.
 */
import { createHash } from 'node:crypto';
import { nodeByNodeUpdate, type NodeByNodeUpdate } from './proxy-spec.ts';
import { canonicalJson } from './service-spec.ts';

export const REGISTRY_SERVICE = 'futuswarm-registry';
/** Where the registry keeps its layers in the state bucket, unless the agent config says otherwise. */
export const REGISTRY_STORAGE_PREFIX = 'registry';
/** The one account of the registry; only agents hold its password. */
export const REGISTRY_USER = 'futuswarm';
export const REGISTRY_REALM = 'futuswarm';
/** Where the task finds its configuration and password file (Docker secrets). */
export const REGISTRY_CONFIG_TARGET = 'futuswarm-registry.json';
export const REGISTRY_HTPASSWD_TARGET = 'futuswarm-registry.htpasswd';

export const REGISTRY_LABEL = {
  registry: 'futuswarm.registry',
  /** On the service while it is read-only for garbage collection: since when (ISO time). */
  readOnlySince: 'futuswarm.registry.read-only-since',
  specHash: 'futuswarm.spec-hash',
} as const;

export interface RegistryStorage {
  bucket: string;
  region: string;
  /** Key prefix inside the bucket, without slashes around it. */
  prefix: string;
  /** An S3-compatible endpoint (a test double); AWS's own when absent. */
  endpoint?: string | undefined;
  /** Static keys; absent: the node's instance role. */
  credentials?: { accessKey: string; secretKey: string } | undefined;
}

export interface RegistryDocumentInput {
  port: number;
  storage: RegistryStorage;
  /** Shared by every instance: upload state signed on one node verifies on another. */
  httpSecret: string;
  /** Refuse every write (pushes, deletes) while garbage is collected; pulls go on. */
  readOnly?: boolean;
}

/** Distribution's configuration (JSON is YAML, which it reads). */
export function buildRegistryDocument(input: RegistryDocumentInput): Record<string, unknown> {
  const { storage } = input;
  const endpoint = storage.endpoint ? new URL(storage.endpoint) : undefined;
  const s3: Record<string, unknown> = {
    region: storage.region,
    bucket: storage.bucket,
    rootdirectory: `/${storage.prefix}`,
  };
  if (endpoint) {
    s3.regionendpoint = storage.endpoint;
    s3.forcepathstyle = true;
    s3.secure = endpoint.protocol === 'https:';
  }
  if (storage.credentials) {
    s3.accesskey = storage.credentials.accessKey;
    s3.secretkey = storage.credentials.secretKey;
  }
  return {
    version: 0.1,
    log: { level: 'info', formatter: 'text', fields: { service: REGISTRY_SERVICE } },
    storage: {
      s3,
      // app:images --prune deletes manifests; layers go with garbage collection.
      delete: { enabled: true },
      // Nodes pull through their own instance, never from S3 directly.
      redirect: { disable: true },
      cache: { blobdescriptor: 'inmemory' },
      maintenance: {
        uploadpurging: { enabled: true, age: '168h', interval: '24h', dryrun: false },
        ...(input.readOnly ? { readonly: { enabled: true } } : {}),
      },
    },
    http: {
      addr: `127.0.0.1:${input.port}`,
      secret: input.httpSecret,
      // Upload locations stay relative, so they work through whatever address the client used.
      relativeurls: true,
      draintimeout: '10s',
      headers: { 'X-Content-Type-Options': ['nosniff'] },
    },
    auth: { htpasswd: { realm: REGISTRY_REALM, path: `/run/secrets/${REGISTRY_HTPASSWD_TARGET}` } },
  };
}

export interface SecretRef {
  id: string;
  name: string;
}

/** A Docker secret mounted as a root-only file under /run/secrets. */
export interface SecretMount {
  SecretID: string;
  SecretName: string;
  File: { Name: string; UID: string; GID: string; Mode: number };
}

export function secretMount(secret: SecretRef, target: string): SecretMount {
  return { SecretID: secret.id, SecretName: secret.name, File: { Name: target, UID: '0', GID: '0', Mode: 0o400 } };
}

export interface RegistryServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Command: string[];
      Env: string[];
      Labels: Record<string, string>;
      Secrets: SecretMount[];
      StopGracePeriod: number;
    };
    RestartPolicy: { Condition: 'any'; Delay: number; MaxAttempts: number; Window: number };
    Networks: { Target: string }[];
  };
  Mode: { Global: Record<string, never> };
  UpdateConfig: RegistryUpdateConfig;
  RollbackConfig: RegistryUpdateConfig;
}

type RegistryUpdateConfig = NodeByNodeUpdate;

const seconds = (s: number): number => Math.round(s * 1_000_000_000);

/**
 * One task per node on the host network. The secrets' names carry a hash of their contents
 * (Docker secrets cannot change), so a new configuration is a new secret and a rolling update.
 */
export function buildRegistryServiceSpec(
  image: string,
  secrets: { config: SecretRef; htpasswd: SecretRef },
  options: { readOnlySince?: string | undefined } = {},
): RegistryServiceSpec {
  // Two instances cannot hold one node's port: the old one stops first (pulls retry meanwhile).
  const update = (failureAction: RegistryUpdateConfig['FailureAction']) => nodeByNodeUpdate(failureAction, { delaySeconds: 2, monitorSeconds: 5 });
  const spec: RegistryServiceSpec = {
    Name: REGISTRY_SERVICE,
    Labels: { [REGISTRY_LABEL.registry]: 'true', ...(options.readOnlySince ? { [REGISTRY_LABEL.readOnlySince]: options.readOnlySince } : {}) },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Command: ['/bin/registry', 'serve', `/run/secrets/${REGISTRY_CONFIG_TARGET}`],
        // Distribution exports traces to localhost:4318 unless told not to.
        Env: ['OTEL_TRACES_EXPORTER=none'],
        Labels: { [REGISTRY_LABEL.registry]: 'true' },
        Secrets: [secretMount(secrets.config, REGISTRY_CONFIG_TARGET), secretMount(secrets.htpasswd, REGISTRY_HTPASSWD_TARGET)],
        StopGracePeriod: seconds(15),
      },
      RestartPolicy: { Condition: 'any', Delay: seconds(2), MaxAttempts: 0, Window: 0 },
      Networks: [{ Target: 'host' }],
    },
    Mode: { Global: {} },
    UpdateConfig: update('rollback'),
    RollbackConfig: update('pause'),
  };
  const hash = createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
  spec.Labels[REGISTRY_LABEL.specHash] = hash;
  spec.TaskTemplate.ContainerSpec.Labels[REGISTRY_LABEL.specHash] = hash;
  return spec;
}

/** A Docker secret's name for `content`: the same content always gets the same name. */
export function registrySecretName(kind: 'config' | 'htpasswd', content: string): string {
  return `${REGISTRY_SERVICE}-${kind}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}

/** The address nodes and the agent use for the cluster registry. */
export function clusterRegistryHost(port: number): string {
  return `127.0.0.1:${port}`;
}
