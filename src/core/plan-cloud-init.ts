/**
 * The user data of each node: cloud-init config rendered from templates/. Pure: the
 * templates' text comes in as input, so the result is checked as data in tests.
 */
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import type { ClusterConfig } from '../config/cluster-file.ts';
import { FutuswarmError } from './errors.ts';
import { parseSshPublicKey } from './ssh-public-key.ts';
import { keyAliasName, SWARM_JOIN_OBJECT_KEYS, SWARM_MANAGERS_PREFIX } from './plan-names.ts';

/** Where cloud-init installs the agent; sshd runs it for every futuswarm login. */
export const AGENT_COMMAND = '/opt/futuswarm/bin/futuswarm-agent';
export const USERS_FILE = '/etc/futuswarm/users.yaml';
/** The resident agent's socket on a manager: in systemd's RuntimeDirectory, the account's alone. */
export const DAEMON_SOCKET = '/run/futuswarm/agent.sock';
/** Amazon's RDS certificate authorities, fetched at first boot: the agent verifies database servers with them. */
export const RDS_CA_FILE = '/etc/futuswarm/rds-ca.pem';

/** EC2 refuses user data above 16 KiB (before base64). */
export const MAX_USER_DATA_BYTES = 16 * 1024;

export interface CloudInitTemplates {
  manager: string;
  worker: string;
  swarmJoin: string;
  sshdConfig: string;
  installAgent: string;
  nodeRegister: string;
  /** The resident agent's systemd unit (managers). */
  agentUnit: string;
}

/**
 * Stands in user data for the public half of the cluster's node key while that key does not
 * exist yet: the plan renders every node's user data before bootstrap creates the key, and
 * `withNodeKey` puts the key in when the instance is launched. Upper case and underscores, so
 * YAML writes it unquoted and user-chosen names (lower case) cannot contain it.
 */
export const NODE_KEY_PENDING = 'FUTUSWARM_NODE_KEY_PENDING';

export interface NodeIdentity {
  /** Logical name and `futuswarm:role` tag: manager-1, worker-2 … */
  name: string;
  kind: 'manager' | 'worker';
  /** The one node that creates the swarm when none exists. */
  swarmInit: boolean;
}

/**
 * Replace `{{name}}` placeholders. A placeholder alone on its line takes a multi-line value,
 * each line indented like the placeholder (for YAML block scalars); elsewhere values must be
 * one line. A placeholder without a value is an error, so templates and code cannot drift.
 */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>, what = 'template'): string {
  const missing = new Set<string>();
  const lineRe = /^([ \t]*)\{\{(\w+)\}\}[ \t]*$/gm;
  let out = template.replace(lineRe, (match, indent: string, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      missing.add(name);
      return match;
    }
    return value
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => (line === '' ? '' : indent + line))
      .join('\n');
  });
  out = out.replace(/\{\{(\w+)\}\}/g, (match, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      missing.add(name);
      return match;
    }
    if (value.includes('\n')) throw new FutuswarmError('internal', `${what}: {{${name}}} is inside a line but its value has several lines`);
    return value;
  });
  if (missing.size > 0) throw new FutuswarmError('internal', `${what}: no value for ${[...missing].map((n) => `{{${n}}}`).join(', ')}`);
  return out;
}

export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A script or config file as it goes into user data: without its comment lines (a first-line
 * `#!` stays). EC2's 16 KiB limit is near; the commented files are in templates/.
 */
export function withoutComments(text: string): string {
  return text
    .split('\n')
    .filter((line, i) => !/^\s*#/.test(line) || (i === 0 && line.startsWith('#!')))
    .join('\n');
}

/** A file of KEY=value lines that `sh` can source. */
export function shellEnvFile(vars: Readonly<Record<string, string>>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (v.includes('\n')) throw new FutuswarmError('internal', `environment value ${k} has a line break`);
      return `${k}=${shellQuote(v)}`;
    })
    .join('\n');
}

export interface AgentConfigInput {
  bucket: string;
  role: NodeIdentity['kind'];
  /** The public half of the cluster's node key, or NODE_KEY_PENDING. */
  nodePublicKey: string;
}

/**
 * /etc/futuswarm/agent.yaml on a node (src/config/agent-config.ts validates it there). A worker's
 * holds only what `node-serve` and `node:register` need: no admins, people or LDAP settings.
 */
export function buildAgentConfig(config: ClusterConfig, input: AgentConfigInput): Record<string, unknown> {
  const common = {
    cluster: config.name,
    domain: config.domain,
    scheme: 'https',
    state: { bucket: input.bucket, kmsKeyId: keyAliasName(config.name), region: config.region },
    role: input.role,
    // Managers open the node channel from their private addresses, which are all in the VPC.
    nodeChannel: { publicKey: input.nodePublicKey, from: [config.network.vpcCidr] },
    agentCommand: AGENT_COMMAND,
  };
  if (input.role === 'worker') return common;
  return {
    ...common,
    admins: config.access.admins,
    usersFile: USERS_FILE,
    databases: { ...config.databases, caFile: RDS_CA_FILE },
    caches: config.caches,
    // The resident agent (futuswarm-agent.service) logs to journald; systemd makes /run/futuswarm.
    daemon: { socket: DAEMON_SOCKET, relayCommand: `${dirname(AGENT_COMMAND)}/futuswarm-relay` },
    deploy: { appsOnManagers: config.nodes.appsOnManagers, ...(config.nodes.defaultAppLimits ? { defaultLimits: config.nodes.defaultAppLimits } : {}) },
    // The load balancer forwards to this port; its X-Forwarded-* headers (https) must reach apps.
    proxy: { httpPort: config.proxy.port, trustedProxies: [config.network.vpcCidr] },
    ...(config.access.ldap === undefined ? {} : { ldap: config.access.ldap }),
  };
}

export function renderCloudInit(
  config: ClusterConfig,
  input: { bucket: string; node: NodeIdentity; templates: CloudInitTemplates; nodePublicKey: string },
): string {
  const { node, templates, bucket } = input;
  const nodeEnv = shellEnvFile({
    FUTUSWARM_CLUSTER: config.name,
    FUTUSWARM_REGION: config.region,
    FUTUSWARM_BUCKET: bucket,
    FUTUSWARM_KMS_KEY: keyAliasName(config.name),
    FUTUSWARM_NODE: node.name,
    FUTUSWARM_NODE_KIND: node.kind,
    FUTUSWARM_SWARM_INIT: node.swarmInit ? 'true' : 'false',
    // Overlay subnets from a range that cannot collide with the VPC (cluster file network.overlayPool).
    FUTUSWARM_OVERLAY_POOL: config.network.overlayPool,
    FUTUSWARM_JOIN_KEY: SWARM_JOIN_OBJECT_KEYS[node.kind],
    // Every manager keeps the workers' token current too.
    ...(node.kind === 'manager' ? { FUTUSWARM_WORKER_JOIN_KEY: SWARM_JOIN_OBJECT_KEYS.worker } : {}),
    FUTUSWARM_MANAGERS_PREFIX: SWARM_MANAGERS_PREFIX,
    FUTUSWARM_AGENT_BUNDLE: config.agent.bundleKey,
  });
  // Every node runs the agent: managers serve people, every node serves node-serve to managers.
  const vars: Record<string, string> = {
    nodeEnv,
    swarmJoinScript: withoutComments(templates.swarmJoin),
    installAgentScript: withoutComments(templates.installAgent),
    nodeRegisterScript: withoutComments(renderTemplate(templates.nodeRegister, { agentCommand: AGENT_COMMAND }, 'templates/node-register.sh')),
    agentEnv: shellEnvFile({ AWS_REGION: config.region }),
    agentYaml: stringify(buildAgentConfig(config, { bucket, role: node.kind, nodePublicKey: input.nodePublicKey })),
    sshdConfig: withoutComments(renderTemplate(templates.sshdConfig, { agentCommand: AGENT_COMMAND }, 'templates/sshd_config.futuswarm')),
  };
  if (node.kind === 'manager') {
    vars.usersYaml = stringify({ users: config.access.users ?? {} });
    vars.agentCommand = AGENT_COMMAND;
    vars.agentUnit = withoutComments(renderTemplate(templates.agentUnit, { agentCommand: AGENT_COMMAND }, 'templates/futuswarm-agent.service'));
  }
  const template = node.kind === 'manager' ? templates.manager : templates.worker;
  const text = renderTemplate(template, vars, `templates/cloud-init-${node.kind}.yaml`);
  checkUserDataSize(text, node.name);
  return text;
}

function checkUserDataSize(text: string, nodeName: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_USER_DATA_BYTES) {
    throw new FutuswarmError('config', `the user data of ${nodeName} is ${bytes} bytes; EC2 accepts at most ${MAX_USER_DATA_BYTES}`, {
      hint: 'move the static users list to LDAP or shorten it',
    });
  }
}

/**
 * User data rendered with NODE_KEY_PENDING, with the node key's public half in its place. The
 * key goes in as a double-quoted YAML scalar (a JSON string is one), so it parses as written
 * whatever its comment holds.
 */
export function withNodeKey(userData: string, publicKey: string, nodeName: string): string {
  if (parseSshPublicKey(publicKey) === undefined) throw new FutuswarmError('internal', `the node key of ${nodeName} is not an SSH public key`);
  const parts = userData.split(NODE_KEY_PENDING);
  // One agent.yaml per node, one key in it; anything else means the text is not what renderCloudInit made.
  if (parts.length !== 2) throw new FutuswarmError('internal', `the user data of ${nodeName} has ${parts.length - 1} places for the node key, not 1`);
  const text = parts.join(JSON.stringify(publicKey));
  checkUserDataSize(text, nodeName);
  return text;
}
