/** admin.node.activate: Swarm places tasks on the node again (after a drain or a pause). */
import { withAvailability } from '../../core/node-spec.ts';
import { changeNodeSpec, findNode, named } from '../nodes.ts';
import { defineOp } from '../op.ts';

export default defineOp({
  op: 'admin.node.activate',
  access: 'admin',
  mutating: true,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const { node } = await findNode(docker, args.node);
    const { changed } = await changeNodeSpec(docker, node.id, (n) => (n.availability === 'active' ? undefined : withAvailability(n.spec, 'active')));
    return { node: named(node), availability: 'active' as const, changed };
  },
});
