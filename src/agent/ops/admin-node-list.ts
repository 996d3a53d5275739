/** admin.node.list: every node of the swarm as its managers see it, with how many tasks run on it. */
import { defineOp } from '../op.ts';

export default defineOp({
  op: 'admin.node.list',
  access: 'admin',
  mutating: false,
  async handle(ctx) {
    const docker = await ctx.docker();
    const [nodes, tasks, self] = await Promise.all([docker.listNodes(), docker.runningTasksByNode(), docker.swarmNodeId()]);
    return {
      nodes: nodes
        .map((n) => ({
          id: n.id,
          name: n.hostname,
          role: n.role === 'manager' ? ('manager' as const) : ('worker' as const),
          availability: n.availability,
          state: n.state,
          managerStatus: n.managerStatus,
          address: n.addr ?? null,
          engineVersion: n.engineVersion ?? null,
          labels: n.labels,
          tasks: tasks.get(n.id) ?? 0,
          self: n.id === self,
        }))
        // Managers first, then by name: the order a person scans a cluster in.
        .sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'manager' ? -1 : 1)),
    };
  },
});
