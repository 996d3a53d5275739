/** What `admin agent:status` reports about the agent that answers it. */
export const daemonStats: { startedAt: Date | undefined; socket: string | undefined; requests: number; leader: boolean; bundle: string | null } = {
  startedAt: undefined,
  socket: undefined,
  requests: 0,
  leader: false,
  /** The content hash of the bundle this daemon was started from (agent-install.ts). */
  bundle: null,
};
