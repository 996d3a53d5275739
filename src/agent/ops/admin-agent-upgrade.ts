/**
 * admin.agent.upgrade: every node installs the agent bundle the CLI uploaded to the state bucket
 * (identified by its content hash), and every resident agent hands over to it, one node at a
 * time: this manager first, then the other managers, then the workers. The first node that fails
 * stops the upgrade, so a bad bundle reaches one node, not all; nodes that are down are skipped
 * (they install the current bundle when they boot).
 */
import { hostname } from 'node:os';
import { FutuswarmError, isFutuswarmError, parseWith } from '../../core/errors.ts';
import { nodeAgentUpgrade, type AgentUpgradeResult } from '../../results/admin.ts';
import { upgradeHere, type NodeUpgrade } from '../agent-install.ts';
import { shortHash } from '../../core/agent-bundle.ts';
import { agentUpgradeOnNode } from '../node-channel.ts';
import { defineOp } from '../op.ts';

type Row = AgentUpgradeResult['nodes'][number];

export default defineOp({
  op: 'admin.agent.upgrade',
  access: 'admin',
  mutating: true,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const [nodes, self] = await Promise.all([docker.listNodes(), docker.swarmNodeId()]);
    const rank = (n: (typeof nodes)[number]): number => (n.id === self ? 0 : n.role === 'manager' ? 1 : 2);
    const ordered = [...nodes].sort((a, b) => rank(a) - rank(b) || a.hostname.localeCompare(b.hostname));
    const rows: Row[] = [];
    let failed: { node: string; error: unknown } | undefined;
    for (const [i, n] of ordered.entries()) {
      const role = n.role === 'manager' ? ('manager' as const) : ('worker' as const);
      if (failed) {
        rows.push({ node: n.hostname, role, outcome: 'not tried', agent: null });
        continue;
      }
      if (n.id !== self && (n.state !== 'ready' || n.addr === undefined)) {
        rows.push({ node: n.hostname, role, outcome: 'skipped', agent: null, error: `the node is ${n.state}` });
        continue;
      }
      ctx.progress('agent-upgrade', `${n.hostname} (${i + 1}/${ordered.length}): bundle ${shortHash(args.bundle)}`);
      const onProgress = (message: string): void => ctx.progress('agent-upgrade', message);
      try {
        let done: NodeUpgrade;
        if (n.id === self) done = await upgradeHere(ctx.config, args.bundle, n.hostname || hostname(), onProgress);
        else {
          const data = await agentUpgradeOnNode(ctx.config, await ctx.state(), { addr: n.addr as string, hostname: n.hostname }, args.bundle, onProgress);
          done = parseWith(nodeAgentUpgrade, data, `the agent upgrade of ${n.hostname}`, { code: 'protocol' });
        }
        rows.push({ node: n.hostname, role, outcome: done.outcome, before: done.before, agent: done.agent });
      } catch (e) {
        failed = { node: n.hostname, error: e };
        rows.push({ node: n.hostname, role, outcome: 'failed', agent: null, error: isFutuswarmError(e) ? e.message : `the agent failed: ${(e as Error).message}` });
      }
    }
    if (failed) {
      const cause = failed.error;
      throw new FutuswarmError(isFutuswarmError(cause) ? cause.code : 'internal', `the agent upgrade stopped at ${failed.node}: ${(cause as Error).message}`, {
        hint: `${isFutuswarmError(cause) && cause.hint ? `${cause.hint}; ` : ''}nodes after it were not touched; run futuswarm admin agent:upgrade again once it is fixed`,
        details: { bundle: args.bundle, nodes: rows },
      });
    }
    return { bundle: args.bundle, nodes: rows };
  },
});
