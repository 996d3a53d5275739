/**
 * admin.node.drain: Swarm places no new tasks on the node and moves its tasks elsewhere; the
 * op waits (health-gated) until they run there. Refused, changing nothing, when an app would
 * have no other node to run on.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { drainScope } from '../../core/node-drain.ts';
import { describeBlockers, drainBlockers, globalServicesStranded } from '../../core/node-placement.ts';
import { withAvailability } from '../../core/node-spec.ts';
import { followDrain, observeDrain } from '../node-drain.ts';
import { changeNodeSpec, findNode, named, placedService, placementNode } from '../nodes.ts';
import { defineOp } from '../op.ts';

export default defineOp({
  op: 'admin.node.drain',
  access: 'admin',
  mutating: true,
  async handle(ctx, args) {
    const startedAt = Date.now();
    const docker = await ctx.docker();
    const [{ node, nodes }, services, tasks] = await Promise.all([findNode(docker, args.node), docker.listAllServices(), docker.listAllTasks()]);
    const scope = drainScope({ id: node.id, ready: node.state === 'ready' }, services, tasks);
    const placed = services.map(placedService);
    const blockers = drainBlockers(placementNode(node), nodes.map(placementNode), placed, new Set(scope.services.map((s) => s.id)));
    if (blockers.length > 0) {
      const who = blockers.map((b) => b.app ?? b.service).join(', ');
      throw new FutuswarmError('conflict', `draining ${node.hostname} would leave ${who} no node to run on: ${describeBlockers(blockers)}; nothing was changed`, {
        hint: 'make room first: activate another node, or give one the labels their placement asks for (futuswarm admin node:list, admin node:label)',
        details: { blockers },
      });
    }
    const stranded = globalServicesStranded(placementNode(node), nodes.map(placementNode), placed);
    const { changed } = await changeNodeSpec(docker, node.id, (n) => (n.availability === 'drain' ? undefined : withAvailability(n.spec, 'drain')));
    const toMove = scope.services.reduce((sum, s) => sum + s.onNode, 0);
    ctx.progress('drain', `${node.hostname} ${changed ? 'is drained now' : 'was drained already'}: Swarm places no new tasks on it and moves its ${toMove} task(s) elsewhere`);
    for (const s of stranded) ctx.progress('warning', `warning: ${s} runs one task per node and now runs on no node`);
    const progress = args.wait
      ? await followDrain(ctx, docker, { nodeName: node.hostname, scope, startedAt, timeoutSeconds: args.timeoutSeconds ?? ctx.config.deploy.timeoutSeconds })
      : await observeDrain(ctx, docker, scope);
    const apps = new Map(placed.map((s) => [s.id, s.app ?? null]));
    return {
      node: named(node),
      availability: 'drain' as const,
      changed,
      waited: args.wait,
      tasks: progress.toMove,
      moved: progress.moved,
      services: progress.services.map((s) => ({ service: s.service, app: apps.get(s.id) ?? null, running: s.running, desired: s.desired })),
      stranded,
      seconds: Math.round((Date.now() - startedAt) / 100) / 10,
    };
  },
});
