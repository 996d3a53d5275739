import { heartbeat } from '../../../heartbeat.ts';
import type { CommandModule } from '../../command.ts';
import { confirmDestruction, confirmHelp } from '../../confirm.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-f, --file <file>', 'the cluster file')
    .option('--confirm <name>', confirmHelp('cluster'))
    .option('--delete-data', 'also delete the state bucket (every app\'s secrets, releases, audit), the stored passwords and the KMS key')
    .addHelpText(
      'after',
      '\nKeeps the state bucket and the KMS key unless --delete-data; the shared database leaves a final\nsnapshot. Refuses while apps still have dedicated databases or caches (db:destroy, cache:destroy).\n\nExample:\n  futuswarm admin cluster:destroy -f prod.yaml --confirm prod\n',
    )
    .action(
      action(async (ctx, opts) => {
        const [{ loadClusterFile }, { clusterDestruction, destroyCluster, formatDestroy }] = await Promise.all([import('../../../config/cluster-file.ts'), import('../../../admin/destroy.ts')]);
        const file = opts.file;
        const config = await loadClusterFile(file);
        const deleteData = opts.deleteData === true;
        const confirm = await confirmDestruction(clusterDestruction(config.name, file, deleteData), opts.confirm);
        // Deleting instances, the load balancer and databases waits on AWS: a quiet step says how long so far.
        const beat = heartbeat((_step, message) => ctx.io.progress(message));
        const result = await destroyCluster(config, { confirm, deleteData, onProgress: (m) => beat.progress('destroy', m) }).finally(() => beat.stop());
        ctx.io.result(result, () => formatDestroy(result));
      }),
    );
};
