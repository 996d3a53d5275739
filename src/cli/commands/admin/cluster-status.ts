import type { CommandModule } from '../../command.ts';
import { examples } from '../../help-text.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-f, --file <file>', 'the cluster file')
    .addHelpText('after', '\nEvery resource of the cluster with its id, state and drift from the file, the nodes\' addresses,\nand the databases and caches made for apps. Runs with your AWS credentials.\n')
    .addHelpText('after', examples('futuswarm admin cluster:status -f prod.yaml', 'futuswarm admin cluster:status -f prod.yaml --json'))
    .action(
      action(async (ctx, opts) => {
        const [{ loadClusterFile }, { clusterStatus, formatStatus }] = await Promise.all([import('../../../config/cluster-file.ts'), import('../../../admin/bootstrap.ts')]);
        const config = await loadClusterFile(opts.file);
        const status = await clusterStatus(config, { onProgress: (m) => ctx.io.progress(m) });
        ctx.io.result(status, () => formatStatus(status));
      }),
    );
};
