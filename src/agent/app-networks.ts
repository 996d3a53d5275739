/**
 * The apps' own overlay networks on the swarm (src/core/app-networks.ts says who joins which):
 * created before Swarm is given a spec that names them, removed with their app, and swept by
 * the leader when an app went away without app:remove.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_NETWORK_LABEL, appNetworkName } from '../core/app-networks.ts';
import type { AppSettings } from '../core/app-settings.ts';
import { LABEL } from '../core/service-spec.ts';
import type { DockerEngine } from '../docker/engine.ts';
import { missingNetwork } from '../docker/networks.ts';
import type { OpContext } from './op.ts';
import { readSettingsLabel } from './settings.ts';

/**
 * Create the networks the app's tasks join: its own, those of the apps it links to and, for an
 * app with a route, the proxy's (`proxyNetwork`; undefined for a job or an internal app).
 */
export async function ensureAppNetworks(
  ctx: Pick<OpContext, 'progress'>,
  docker: DockerEngine,
  app: string,
  settings: Pick<AppSettings, 'links'>,
  proxyNetwork: string | undefined,
): Promise<void> {
  for (const owner of [app, ...(settings.links ?? [])]) {
    const name = appNetworkName(owner);
    if ((await docker.networks.ensure(name, { [APP_NETWORK_LABEL]: owner })) === 'created') ctx.progress('network', `created overlay network ${name}`);
  }
  if (proxyNetwork !== undefined && (await docker.networks.ensure(proxyNetwork)) === 'created') {
    ctx.progress('network', `created overlay network ${proxyNetwork}`);
  }
}

/** The apps whose running service links to `app`, from their services' settings labels. */
export async function appsLinkingTo(docker: DockerEngine, app: string): Promise<string[]> {
  const services = await docker.listServices(LABEL.app);
  return services
    .filter((s) => s.labels[LABEL.app] !== app && (readSettingsLabel(s.labels)?.links ?? []).includes(app))
    .map((s) => s.labels[LABEL.app] ?? s.name)
    .sort();
}

/**
 * Remove the app's network once its service is gone. Its tasks let go of it within seconds; a
 * network still in use after `waitSeconds` stays, for the leader's sweep (sweepAppNetworks).
 */
export async function removeAppNetwork(docker: DockerEngine, app: string, waitSeconds = 20): Promise<'removed' | 'absent' | 'in-use'> {
  const deadline = Date.now() + waitSeconds * 1000;
  const name = appNetworkName(app);
  for (;;) {
    const outcome = await docker.networks.remove(name);
    // Swarm forgets a removed network at once; this node lists it until the app's tasks here
    // have stopped. Not waited for: a new app of the same name waits then (withAppNetworks).
    if (outcome !== 'in-use' || Date.now() >= deadline) return outcome;
    await sleep(500);
  }
}

/**
 * Run `apply` (a service create or update); if Docker says a network of the spec is not found,
 * that is a removed network still lingering on this node (an app of the same name was just
 * removed): wait until it is gone, create the networks again, and apply once more.
 */
export async function withAppNetworks<T>(ctx: Pick<OpContext, 'progress'>, docker: DockerEngine, ensure: () => Promise<void>, apply: () => Promise<T>): Promise<T> {
  await ensure();
  try {
    return await apply();
  } catch (e) {
    const network = missingNetwork(e);
    if (network === undefined) throw e;
    ctx.progress('network', `network ${network} is still being removed; waiting until it is gone`);
    await docker.networks.gone(network, 60_000);
    await ensure();
    return apply();
  }
}

/** Networks younger than this are left alone: a first deploy creates its network, then its service. */
const SWEEP_MIN_AGE_MS = 10 * 60 * 1000;

/**
 * Remove the networks of apps that have no service any more (removed by hand, or app:remove
 * ran out of patience). Docker refuses a network that a task still uses, so a network that an
 * app's link or job holds stays. Returns the names removed.
 */
export async function sweepAppNetworks(docker: DockerEngine, now = Date.now()): Promise<string[]> {
  const [networks, services] = await Promise.all([docker.networks.withLabel(APP_NETWORK_LABEL), docker.listServices(LABEL.app)]);
  const apps = new Set(services.map((s) => s.labels[LABEL.app]));
  const removed: string[] = [];
  for (const network of networks) {
    const app = network.labels[APP_NETWORK_LABEL];
    if (app === undefined || apps.has(app) || network.name !== appNetworkName(app)) continue;
    if (now - Date.parse(network.createdAt) < SWEEP_MIN_AGE_MS) continue;
    if ((await docker.networks.remove(network.id)) === 'removed') removed.push(network.name);
  }
  return removed;
}
