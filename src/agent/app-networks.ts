/**
 * The apps' own overlay networks on the swarm (src/core/app-networks.ts says who joins which):
 * created before Swarm is given a spec that names them, and never removed. Docker 20.10's
 * network allocator keeps the nodes' attachments to a removed overlay network and then fails
 * every allocation for those nodes ("could not find network allocator state"); in a test run
 * that removed a network with every app, the proxy network ran out of addresses within two
 * hours and no new task could start. A network left behind costs one /24 of the swarm's
 * address pool, and a new app of the same name uses it again.
 */
import { APP_NETWORK_LABEL, appNetworkName } from '../core/app-networks.ts';
import type { AppSettings } from '../core/app-settings.ts';
import { LABEL } from '../core/service-spec.ts';
import type { DockerEngine, ServiceInfo } from '../docker/engine.ts';
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
  const wanted = [
    ...[app, ...(settings.links ?? [])].map((owner) => ({ name: appNetworkName(owner), labels: { [APP_NETWORK_LABEL]: owner } })),
    ...(proxyNetwork !== undefined ? [{ name: proxyNetwork, labels: {} }] : []),
  ];
  // Asked all at once; said in order.
  const outcomes = await Promise.all(wanted.map((n) => docker.networks.ensure(n.name, n.labels)));
  wanted.forEach((n, i) => {
    if (outcomes[i] === 'created') ctx.progress('network', `created overlay network ${n.name}`);
  });
}

/** The apps whose running service links to `app`, from their services' settings labels. */
export async function appsLinkingTo(docker: DockerEngine, app: string): Promise<string[]> {
  return linkingTo(await docker.listServices(LABEL.app), app);
}

/** The same, out of a listing of the apps' services that the caller has already. */
export function linkingTo(services: readonly ServiceInfo[], app: string): string[] {
  return services
    .filter((s) => s.labels[LABEL.app] !== app && (readSettingsLabel(s.labels)?.links ?? []).includes(app))
    .map((s) => s.labels[LABEL.app] ?? s.name)
    .sort();
}
