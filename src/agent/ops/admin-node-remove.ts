/**
 * admin.node.remove: take a node off the swarm's list, and forget its SSH host key. Only a
 * worker that is down and runs nothing, unless `force`: then a manager is demoted first (never
 * the last one, nor the one answering) and Swarm removes the node whatever its state.
 */
import { FutuswarmError, isFutuswarmError } from '../../core/errors.ts';
import { demoted } from '../../core/node-spec.ts';
import { ENDED_STATES } from '../../core/rollout.ts';
import type { DockerEngine } from '../../docker/engine.ts';
import { changeNodeSpec, findNode, named } from '../nodes.ts';
import { defineOp, type OpContext } from '../op.ts';

/** How long a demotion may take to leave the managers' Raft group before the removal. */
const DEMOTE_WAIT_MS = 30_000;

export default defineOp({
  op: 'admin.node.remove',
  access: 'admin',
  mutating: true,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const [{ node, nodes }, tasks, self] = await Promise.all([findNode(docker, args.node), docker.listAllTasks('running'), docker.swarmNodeId()]);
    const name = node.hostname;
    const running = tasks.filter((t) => t.nodeId === node.id && !ENDED_STATES.has(t.state)).length;
    const manager = node.role === 'manager';
    const force = args.force === true;
    if (!force) {
      const refusals: [string, string][] = [];
      if (manager) refusals.push([`it is a manager (${node.managerStatus ?? 'unknown'})`, `demote it first (docker node demote ${name}), or add --force, which demotes it`]);
      if (running > 0) refusals.push([`it still runs ${running} task(s)`, `drain it first: futuswarm admin node:drain ${name}`]);
      if (node.state === 'ready') refusals.push(['it is ready: Swarm still hears from it', 'stop the node first (terminate its instance or stop its Docker Engine), or add --force']);
      if (refusals.length > 0) {
        throw new FutuswarmError('conflict', `refusing to remove ${name}: ${refusals.map(([why]) => why).join('; ')}`, {
          hint: refusals.map(([, next]) => next).join('; '),
          details: { reasons: refusals.map(([why]) => why) },
        });
      }
    }
    if (manager) {
      if (node.id === self) {
        throw new FutuswarmError('conflict', `${name} is the manager answering this command; it cannot remove itself`, { hint: 'point your context at another manager and run the command again' });
      }
      if (nodes.filter((n) => n.role === 'manager').length <= 1) {
        throw new FutuswarmError('conflict', `${name} is the swarm's last manager; removing it would end the swarm`, { hint: 'add another manager first' });
      }
      await demote(ctx, docker, node.id, name);
    }
    await docker.nodes.remove(node.id, force);
    ctx.progress('remove', `removed ${name} from the swarm`);
    return { node: named(node), removed: true as const, demoted: manager, forced: force, hostKeyForgotten: await forgetHostKey(ctx, node, nodes) };
  },
});

async function demote(ctx: OpContext, docker: DockerEngine, id: string, name: string): Promise<void> {
  await changeNodeSpec(docker, id, (n) => (n.spec.Role === 'worker' ? undefined : demoted(n.spec)));
  ctx.progress('demote', `demoted ${name} to a worker`);
  const deadline = Date.now() + DEMOTE_WAIT_MS;
  while ((await docker.nodes.inspect(id)).managerStatus !== null) {
    if (Date.now() > deadline) throw new FutuswarmError('unavailable', `${name} was demoted but is still in the managers' Raft group after ${DEMOTE_WAIT_MS / 1000}s; it was not removed`, { hint: 'run the same command again' });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Its host key record, unless another node of the swarm has that address now. */
async function forgetHostKey(ctx: OpContext, node: { id: string; hostname: string; addr: string | undefined }, nodes: readonly { id: string; addr: string | undefined }[]): Promise<boolean> {
  const addr = node.addr;
  if (!addr || nodes.some((n) => n.id !== node.id && n.addr === addr)) return false;
  try {
    return await (await ctx.state()).nodes.forget(addr, node.hostname);
  } catch (e) {
    // The node is gone either way; a record left behind is only stale.
    ctx.progress('warning', `warning: could not delete the host key record of ${addr}: ${isFutuswarmError(e) ? e.message : String(e)}`);
    return false;
  }
}
