/**
 * Which overlay networks an app's tasks join. Apps are apart by default:
 *
 * - every app has a network of its own, `futuswarm-app-<app>`, where its name resolves to its
 *   tasks; its tasks and its one-off jobs (`app:run`) join it;
 * - an app linked to another (`app:link -n shop --to catalog`) joins that app's network too, and
 *   reaches it there as `catalog`; nobody else does;
 * - only an app with a route (not `--internal`) joins the proxy network, without an alias, so the
 *   proxy reaches its tasks. Apps on the proxy network can reach each other's tasks there; they
 *   are public through the proxy anyway, and an internal app is never on it.
 *
 * Plain data; src/core/service-spec.ts and src/core/job-spec.ts put these into the specs.
 */
import type { AppSettings } from './app-settings.ts';

/** Label on every app network, naming its app: app:remove and the clean-up find them by it. */
export const APP_NETWORK_LABEL = 'futuswarm.app-network';

/** The app's own overlay network. App names cannot start with "futuswarm", so this is no app's name. */
export function appNetworkName(app: string): string {
  return `futuswarm-app-${app}`;
}

export interface TaskNetwork {
  Target: string;
  Aliases: string[];
}

/** The networks of the app's long-running tasks, its own first. */
export function serviceNetworks(app: string, settings: Pick<AppSettings, 'internal' | 'links'>, proxyNetwork: string): TaskNetwork[] {
  return [
    ...jobNetworks(app, settings),
    ...(settings.internal ? [] : [{ Target: proxyNetwork, Aliases: [] }]),
  ];
}

/** The networks of a one-off job: the app's own and those of the apps it links to, never the proxy's. */
export function jobNetworks(app: string, settings: Pick<AppSettings, 'links'>): TaskNetwork[] {
  return [
    { Target: appNetworkName(app), Aliases: [app] },
    ...[...new Set(settings.links ?? [])].filter((l) => l !== app).sort().map((l) => ({ Target: appNetworkName(l), Aliases: [] })),
  ];
}
