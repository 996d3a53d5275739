import type { CommandModule } from '../../command.ts';
import { checkConfirmation } from '../../confirm.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-f, --file <file>', 'the cluster file')
    .option('--confirm <name>', 'the cluster\'s name again: everything bootstrap made is deleted')
    .option('--delete-data', 'also delete the state bucket (every app\'s secrets, releases, audit), the stored passwords and the KMS key')
    .addHelpText(
      'after',
      '\nKeeps the state bucket and the KMS key unless --delete-data; the shared database leaves a final\nsnapshot. Refuses while apps still have dedicated databases or caches (db:destroy, cache:destroy).\n\nExample:\n  futuswarm admin cluster:destroy -f prod.yaml --confirm prod\n',
    )
    .action(
      action(async (ctx, opts) => {
        const [{ loadClusterFile }, { destroyCluster, formatDestroy }] = await Promise.all([import('../../../config/cluster-file.ts'), import('../../../admin/destroy.ts')]);
        const file = opts.file;
        const config = await loadClusterFile(file);
        const confirm = checkConfirmation(`cluster ${config.name}`, config.name, opts.confirm, `futuswarm admin cluster:destroy -f ${file} --confirm ${config.name}`);
        const result = await destroyCluster(config, { confirm, deleteData: opts.deleteData === true, onProgress: (m) => ctx.io.progress(m) });
        ctx.io.result(result, () => formatDestroy(result));
      }),
    );
};
