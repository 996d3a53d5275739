/** admin.node.label: add, change and remove a node's labels (never those under `futuswarm.`). */
import { planLabels, type LabelEdit } from '../../core/node-labels.ts';
import { withLabels } from '../../core/node-spec.ts';
import { changeNodeSpec, findNode, named } from '../nodes.ts';
import { defineOp } from '../op.ts';

export default defineOp({
  op: 'admin.node.label',
  access: 'admin',
  mutating: true,
  async handle(ctx, args) {
    const docker = await ctx.docker();
    const { node } = await findNode(docker, args.node);
    let plan: { labels: Record<string, string>; edits: LabelEdit[] } = { labels: node.labels, edits: [] };
    const { changed } = await changeNodeSpec(docker, node.id, (n) => {
      plan = planLabels(n.labels, args);
      return plan.edits.length === 0 ? undefined : withLabels(n.spec, plan.labels);
    });
    return { node: named(node), labels: plan.labels, changes: plan.edits, changed };
  },
});
