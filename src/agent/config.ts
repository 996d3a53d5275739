/** The agent's configuration: /etc/futuswarm/agent.yaml on every manager. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { domainName } from '../core/names.ts';

export const DEFAULT_AGENT_CONFIG_PATH = '/etc/futuswarm/agent.yaml';

export const agentConfigSchema = z.strictObject({
  /** Cluster name: part of every KMS encryption context and S3 object. */
  cluster: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and hyphens'),
  domain: domainName,
  network: z.string().min(1).default('futuswarm-proxy'),
  /** The command sshd runs for a recognised key (the agent itself, by absolute path). */
  agentCommand: z.string().regex(/^\/[\w./-]+$/, 'must be an absolute path').default('/usr/local/bin/futuswarm-agent'),
  usersFile: z.string().default('/etc/futuswarm/users.yaml'),
  deploy: z
    .strictObject({
      monitorSeconds: z.number().min(0).max(600).default(5),
      timeoutSeconds: z.number().int().min(5).max(3600).default(300),
      stopGraceSeconds: z.number().min(0).max(600).default(10),
    })
    .prefault({}),
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
  return parseWith(agentConfigSchema, data, `agent config ${path}`, { code: 'config' });
}
