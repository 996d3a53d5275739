/** What `admin agent:status` reports about the agent that answers it. */
export const daemonStats: { startedAt: Date | undefined; socket: string | undefined; requests: number; leader: boolean } = {
  startedAt: undefined,
  socket: undefined,
  requests: 0,
  leader: false,
};
