/**
 * What the proxy may ask of Docker: Traefik's swarm provider reads the swarm's services, tasks,
 * networks and nodes, and the engine's version, and nothing else. The resident agent serves it
 * a socket that lets exactly these reads through (src/agent/proxy-docker-socket.ts), instead of
 * the engine's own socket, which would let it run any container as root. Plain data and rules.
 */

/** Read-only calls, with or without the API version prefix; one object by ID at most, no sub-resource. */
const READABLE = /^(?:\/v\d{1,2}\.\d{1,3})?\/(?:_ping|version|info|services|tasks|networks|nodes)(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)?(?:\?[^#]*)?$/;

/** Whether the proxy may make this request. */
export function proxyMayRead(method: string | undefined, url: string | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && url !== undefined && READABLE.test(url);
}

/** Answers whose JSON carries containers' environments (apps' secrets), which the proxy never needs. */
export function carriesEnvironment(url: string): boolean {
  return /^(?:\/v[\d.]+)?\/(?:services|tasks)(?:[/?]|$)/.test(url);
}

type Json = unknown;

/** The answer without any container spec's `Env`: services and tasks, one or a list. */
export function withoutEnvironment(body: Json): Json {
  const strip = (item: Json): Json => {
    if (item === null || typeof item !== 'object') return item;
    const o = item as { Spec?: { TaskTemplate?: { ContainerSpec?: { Env?: unknown } }; ContainerSpec?: { Env?: unknown } } };
    if (o.Spec?.TaskTemplate?.ContainerSpec) delete o.Spec.TaskTemplate.ContainerSpec.Env;
    if (o.Spec?.ContainerSpec) delete o.Spec.ContainerSpec.Env;
    const previous = (item as { PreviousSpec?: { TaskTemplate?: { ContainerSpec?: { Env?: unknown } } } }).PreviousSpec;
    if (previous?.TaskTemplate?.ContainerSpec) delete previous.TaskTemplate.ContainerSpec.Env;
    return item;
  };
  return Array.isArray(body) ? body.map(strip) : strip(body);
}
