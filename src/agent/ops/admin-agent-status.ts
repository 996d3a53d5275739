/**
 * admin.agent.status: the agent of every manager — resident or a process per request, its
 * version, uptime, requests served and whether it leads the periodic work. The manager that
 * answers reports itself; the others are asked through the node channel, at the same time.
 */
import { isFutuswarmError, parseWith } from '../../core/errors.ts';
import { agentView, type AgentStatusResult, type AgentView } from '../../results/admin.ts';
import { localAgentStatus } from '../agent-status.ts';
import { agentStatusOnNode } from '../node-channel.ts';
import { defineOp } from '../op.ts';

export default defineOp({
  op: 'admin.agent.status',
  access: 'admin',
  mutating: false,
  async handle(ctx) {
    const docker = await ctx.docker();
    const [nodes, self] = await Promise.all([docker.listNodes(), docker.swarmNodeId()]);
    const managers = nodes.filter((n) => n.role === 'manager').sort((a, b) => a.hostname.localeCompare(b.hostname));
    const rows: AgentStatusResult['managers'] = await Promise.all(
      managers.map(async (n) => {
        const row = { node: n.hostname, addr: n.addr ?? null, managerStatus: n.managerStatus, answered: n.id === self };
        try {
          let agent: AgentView;
          if (row.answered) agent = await localAgentStatus(ctx.config);
          else if (n.addr === undefined || n.state !== 'ready') return { ...row, agent: null, error: `the node is ${n.state}` };
          else agent = parseWith(agentView, await agentStatusOnNode(ctx.config, await ctx.state(), { addr: n.addr, hostname: n.hostname }), `the agent status of ${n.hostname}`, { code: 'protocol' });
          return { ...row, agent };
        } catch (e) {
          return { ...row, agent: null, error: isFutuswarmError(e) ? e.message : `the agent failed: ${(e as Error).message}` };
        }
      }),
    );
    return { managers: rows };
  },
});
