/**
 * The cluster registry from the agent's side: its credentials, the storage it is configured
 * with, and the login that goes with an image when Swarm must pull it.
 */
import { randomBytes } from 'node:crypto';
import { FutuswarmError } from '../core/errors.ts';
import { registryOfRepository, splitImageReference } from '../core/names.ts';
import { clusterRegistryHost, REGISTRY_USER, type RegistryStorage } from '../core/registry-spec.ts';
import type { RegistryAuth } from '../docker/engine.ts';
import type { RegistryCredentials } from '../state/registry-credentials.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { OpContext } from './op.ts';

/** bcrypt cost of the htpasswd line: the password is 256 random bits, so cost buys nothing but latency per request. */
const BCRYPT_COST = 5;

export async function generateRegistryCredentials(): Promise<RegistryCredentials> {
  const { default: bcrypt } = await import('bcryptjs');
  const password = randomBytes(32).toString('base64url');
  return {
    username: REGISTRY_USER,
    password,
    htpasswd: `${REGISTRY_USER}:${bcrypt.hashSync(password, BCRYPT_COST)}`,
    httpSecret: randomBytes(32).toString('base64url'),
  };
}

export function registryStorage(config: AgentConfig, env: NodeJS.ProcessEnv = process.env): RegistryStorage {
  const region = config.state.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new FutuswarmError('config', 'the registry needs the state bucket\'s region', { hint: 'set state.region in the agent config' });
  }
  const { storage } = config.registry;
  let credentials: RegistryStorage['credentials'];
  if (storage.credentials === 'agent-env') {
    const accessKey = env.AWS_ACCESS_KEY_ID;
    const secretKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKey || !secretKey) {
      throw new FutuswarmError('config', 'registry.storage.credentials is agent-env, but the agent has no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY', {
        hint: 'set them in the agent\'s environment, or use instance-role on AWS',
      });
    }
    credentials = { accessKey, secretKey };
  }
  return {
    bucket: config.state.bucket,
    region,
    prefix: storage.prefix,
    ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** `127.0.0.1:<port>`: where every node, and this agent, reach the cluster registry. */
export function clusterRegistry(config: AgentConfig): string {
  return clusterRegistryHost(config.registry.port);
}

/** The repository of `image` in the cluster registry, or undefined when it lives elsewhere. */
export function clusterRepository(config: AgentConfig, image: string): string | undefined {
  const prefix = `${clusterRegistry(config)}/`;
  return image.startsWith(prefix) ? image.slice(prefix.length) : undefined;
}

/**
 * An app runs only its own repository of the cluster registry: the agent's login would pull
 * anyone's, so naming another app's image is refused here, before Swarm sees it.
 */
export function checkOwnRepository(config: AgentConfig, app: string, imageRef: string): void {
  const repository = clusterRepository(config, splitImageReference(imageRef).repository);
  if (repository !== undefined && repository !== app) {
    throw new FutuswarmError('forbidden', `${app} may run only images of its own repository ${clusterRegistry(config)}/${app}, not ${repository}`, {
      hint: `push the image into ${app}: futuswarm app:push -n ${app} -i <local image>`,
    });
  }
}

/** The login Swarm pulls `imageRef` with on every node; undefined for public images. */
export async function pullAuthFor(ctx: OpContext, imageRef: string): Promise<RegistryAuth | undefined> {
  const { repository } = splitImageReference(imageRef);
  if (clusterRepository(ctx.config, repository) !== undefined) {
    const credentials = await (await ctx.state()).registryCredentials.read();
    return { username: credentials.username, password: credentials.password, serveraddress: clusterRegistry(ctx.config) };
  }
  const host = registryOfRepository(repository);
  if (host === undefined) return undefined;
  const login = await (await ctx.state()).registryLogins.get(host);
  return login ? { username: login.username, password: login.password, serveraddress: host } : undefined;
}
