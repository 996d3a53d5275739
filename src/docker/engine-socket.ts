/** The manager's Docker Engine socket: FUTUSWARM_DOCKER_SOCKET (a node of the local rig), else Docker's own. */
export function engineSocketPath(): string {
  return process.env.FUTUSWARM_DOCKER_SOCKET ?? '/var/run/docker.sock';
}
