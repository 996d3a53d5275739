/** The agent's configuration: /etc/futuswarm/agent.yaml on every manager. */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';
import { domainName } from '../core/names.ts';
import { appsOnManagers } from '../core/placement.ts';
import { taskLimitsSchema } from '../core/task-limits-schema.ts';
import { authorizedKeysFromPattern, parseSshPublicKey } from '../core/ssh-public-key.ts';
import type { ClusterInfo } from '../core/service-spec.ts';
import { identityConfigShape } from './ldap-config.ts';
import { proxyConfigSchema } from './proxy.ts';
import { registryConfigSchema } from './registry.ts';
import { cachesConfigSchema, databasesConfigSchema } from './data-services.ts';

export const DEFAULT_AGENT_CONFIG_PATH = '/etc/futuswarm/agent.yaml';

const absolutePath = z.string().regex(/^\/[\w./-]+$/, 'must be an absolute path');

export const agentConfigSchema = z.strictObject({
  /** Cluster name: part of every KMS encryption context and S3 object. */
  cluster: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and hyphens'),
  domain: domainName,
  /** How apps are reached from outside: https behind the load balancer, http on a bare local cluster. */
  scheme: z.enum(['https', 'http']).default('https'),
  network: z.string().min(1).default('futuswarm-proxy'),
  /** The OS account everyone connects as; authorized-keys answers for no other. */
  sshUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('futuswarm'),
  /** Where app state lives: one versioned, KMS-encrypted bucket per cluster. */
  state: z.strictObject({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    kmsKeyId: z.string().min(1).describe('KMS key id, ARN or alias (alias/…)'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-north-1').optional(),
  }),
  /**
   * `manager`: people log in here and the agent serves them. `worker`: only managers log in,
   * with the node key, to reach containers on this node (app:exec).
   */
  role: z.enum(['manager', 'worker']).default('manager'),
  /** The manager → node channel for app:exec into tasks on other nodes (docs/decisions.md). */
  nodeChannel: z
    .strictObject({
      /** The public half of the cluster's node key (`futuswarm-agent node-key:ensure` prints it). */
      publicKey: z.string().refine((s) => parseSshPublicKey(s) !== undefined, 'must be an SSH public key "type base64 [comment]"'),
      /** Where managers connect from, as authorized_keys from="…" patterns (CIDRs); empty: anywhere. */
      from: z.array(authorizedKeysFromPattern).default([]),
      /** The port every node's sshd listens on. */
      port: z.number().int().min(1).max(65535).default(22),
    })
    .optional(),
  /** People who may act on every app, besides members of the LDAP admin group. */
  admins: z.array(z.string()).default([]),
  locks: z
    .strictObject({
      ttlSeconds: z.number().int().min(30).max(86400).default(900),
    })
    .prefault({}),
  /** The command sshd runs for a recognised key (the agent itself, by absolute path). */
  agentCommand: absolutePath.default('/usr/local/bin/futuswarm-agent'),
  usersFile: z.string().default('/etc/futuswarm/users.yaml'),
  /**
   * The resident agent (`futuswarm-agent daemon`, under `supervise`). When set, a person's key
   * runs the relay (a small static binary), which hands the request to the daemon over its
   * socket; without it, sshd starts an agent process for every request.
   */
  daemon: z
    .strictObject({
      /** Only the SSH account may connect: the daemon makes it 0600, in a directory of that account. */
      socket: absolutePath.default('/run/futuswarm/agent.sock'),
      relayCommand: absolutePath.default('/opt/futuswarm/bin/futuswarm-relay'),
      /** One JSON line per request (never a secret value); default: stderr (journald under systemd). */
      logFile: absolutePath.optional(),
      /** How long a stopping daemon lets requests in flight finish. */
      drainSeconds: z.number().int().min(1).max(3600).default(900),
      /** How long a data key KMS decrypted is kept in memory and used again (0: ask KMS every time). */
      dataKeyCacheSeconds: z.number().int().min(0).max(3600).default(300),
      /**
       * How old a state read may be when a read-only op (app:list, app:inspect, …) answers from it.
       * This daemon's own writes are seen at once, another manager's within this time (0: read S3
       * every time). Locks and leases are always read from S3, and so are owners when they decide
       * whether a request may act (src/agent/acl.ts).
       */
      stateCacheSeconds: z.number().min(0).max(60).default(2),
    })
    .optional(),
  deploy: z
    .strictObject({
      monitorSeconds: z.number().min(0).max(600).default(5),
      timeoutSeconds: z.number().int().min(5).max(3600).default(300),
      stopGraceSeconds: z.number().min(0).max(600).default(10),
      /** May app tasks run on managers (the cluster file's nodes.appsOnManagers). */
      appsOnManagers: appsOnManagers.default('auto'),
      /** Limits for a task whose app sets none (the cluster file's nodes.defaultAppLimits). */
      defaultLimits: taskLimitsSchema().optional(),
    })
    .prefault({}),
  /** Traefik on the managers (`admin proxy:deploy`). */
  proxy: proxyConfigSchema.prefault({}),
  /** The cluster's image registry on every node (`admin registry:deploy`). */
  registry: registryConfigSchema.prefault({}),
  /** RDS PostgreSQL and ElastiCache Redis for apps (`db:*`, `cache:*`). */
  databases: databasesConfigSchema.prefault({}),
  caches: cachesConfigSchema.prefault({}),
  ...identityConfigShape,
});
export type AgentConfig = z.output<typeof agentConfigSchema>;

export function agentConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.FUTUSWARM_AGENT_CONFIG ?? DEFAULT_AGENT_CONFIG_PATH;
}

export async function loadAgentConfig(path = agentConfigPath()): Promise<AgentConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FutuswarmError('config', `cannot read the agent config ${path}: ${(e as Error).message}`, {
      hint: 'an admin must install it on the manager (see templates/agent.yaml.example)',
    });
  }
  const { default: YAML } = await import('yaml');
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (e) {
    throw new FutuswarmError('config', `${path} is not valid YAML: ${(e as Error).message}`);
  }
  refuseReservedKeys(data, `agent config ${path}`, { code: 'config' });
  return parseWith(agentConfigSchema, data, `agent config ${path}`, { code: 'config' });
}

export function clusterInfo(config: AgentConfig): ClusterInfo {
  return { name: config.cluster, domain: config.domain, network: config.network, scheme: config.scheme };
}
