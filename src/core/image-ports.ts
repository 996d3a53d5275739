/**
 * An image's EXPOSE lines against the port an app is deployed with: a hint for a new app that
 * names none, a warning for one that names another. Pure.
 */

/** TCP ports from Docker's ExposedPorts keys (`8000/tcp`, `53/udp`, `9000`), sorted, without repeats. */
export function tcpPorts(exposed: readonly string[]): number[] {
  const ports = exposed
    .map((key) => /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key))
    .filter((m): m is RegExpExecArray => m !== null && (m[2] ?? 'tcp') === 'tcp')
    .map((m) => Number(m[1]))
    .filter((p) => p >= 1 && p <= 65535);
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** What to say before a deploy goes live when the port is not one the image exposes; undefined when all is well or unknown. */
export function portMismatch(image: string, port: number, exposed: readonly number[] | undefined): string | undefined {
  if (exposed === undefined || exposed.length === 0 || exposed.includes(port)) return undefined;
  const list = exposed.join(', ');
  return `warning: ${image} exposes ${exposed.length === 1 ? 'port' : 'ports'} ${list}, not ${port}: the proxy and the health check use ${port}; if the app listens on ${exposed[0]}, deploy with --port ${exposed[0]}`;
}
