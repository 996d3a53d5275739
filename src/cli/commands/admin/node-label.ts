import { parseLabelArgs } from '../../../core/node-labels.ts';
import type { CommandModule } from '../../command.ts';
import { examples } from '../../help-text.ts';

export const FLAGS = { node: 'NAME', set: 'key=value', remove: '--rm' };

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .argument('<name>', 'the node: its host name, its ID or the start of its ID')
    .argument('[labels...]', 'labels to add or change, as key=value')
    .option('--rm <keys...>', 'labels to remove')
    .addHelpText(
      'after',
      '\nApps\' placement constraints match node labels (node.labels.zone==a). Keys: a lowercase letter,\n' +
        'then a-z, 0-9, ".", "_", "-" (at most 63); values: A-Z, a-z, 0-9, ".", "_", "-" (at most 63, may\n' +
        'be empty). Keys under "futuswarm." are reserved for futuswarm itself.\n',
    )
    .addHelpText('after', examples('futuswarm admin node:label futuswarm-node1 zone=eu-north-1a disk=ssd', 'futuswarm admin node:label futuswarm-node1 --rm disk'))
    .action(
      action(async (ctx, opts, [name, ...labels]) => {
        const change = parseLabelArgs(labels, opts.rm ?? []);
        const r = await ctx.agent('admin.node.label', { node: name ?? '', ...change }, FLAGS);
        ctx.io.result(r, () => {
          const now = Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).sort().join(', ') || '(none)';
          if (!r.changed) return `${r.node.name}: no change; labels: ${now}`;
          const edits = r.changes.map((c) =>
            c.from === null ? `  + ${c.key}=${c.to}` : c.to === null ? `  - ${c.key} (was ${c.from})` : `  ~ ${c.key}=${c.to} (was ${c.from})`,
          );
          return [`${r.node.name}: ${r.changes.length} label(s) changed`, ...edits, `labels: ${now}`].join('\n');
        });
      }),
    );
};
