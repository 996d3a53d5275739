/**
 * The TCP ports an image exposes, as this manager can find out without pulling it: from its own
 * engine when the image is there, else from the cluster registry's copy of its config.
 */
import { tcpPorts } from '../core/image-ports.ts';
import { splitImageReference } from '../core/names.ts';
import { RegistryClient } from '../registry/client.ts';
import type { OpContext } from './op.ts';
import { clusterRegistry, clusterRepository } from './registry.ts';

/** undefined: neither this node nor the cluster registry knows the image (or they did not answer). */
export async function exposedPorts(ctx: OpContext, imageRef: string): Promise<number[] | undefined> {
  try {
    const local = await (await ctx.docker()).inspectImage(imageRef);
    if (local) return tcpPorts(local.exposedPorts);
    const ref = splitImageReference(imageRef);
    const repository = clusterRepository(ctx.config, ref.repository);
    if (repository === undefined) return undefined;
    const credentials = await (await ctx.state()).registryCredentials.read();
    const config = await new RegistryClient(`http://${clusterRegistry(ctx.config)}`, credentials, { timeoutMs: 3000 }).imageConfig(repository, ref.digest ?? ref.tag ?? 'latest');
    const exposed = config?.ExposedPorts;
    return config === undefined ? undefined : tcpPorts(exposed && typeof exposed === 'object' ? Object.keys(exposed) : []);
  } catch {
    // A hint, never a reason to fail a deploy.
    return undefined;
  }
}
