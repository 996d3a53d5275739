import type { CommandModule } from '../../command.ts';
import { renderTable } from '../../table.ts';
import { shortHash as short } from '../../../core/agent-bundle.ts';
import { VERSION } from '../../../version.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-f, --file <file>', 'the cluster file (the one cluster:bootstrap ran with)')
    .addHelpText(
      'after',
      [
        '',
        `Uploads the agent bundle of this CLI (version ${VERSION}) to the state bucket with your AWS`,
        'credentials, unless the bucket holds the same bundle already; then every node installs it, one',
        'at a time (the manager that answers first, then the other managers, then the workers), and each',
        'resident agent hands over to it: requests in flight finish on the old agent, none is dropped.',
        'The first node that fails stops the upgrade; nodes after it keep the agent they had. Running it',
        'again when every node has the bundle changes nothing.',
        '',
        'Examples:',
        '  futuswarm admin agent:upgrade -f prod.yaml',
        '  futuswarm admin agent:upgrade -f prod.yaml --json',
        '',
      ].join('\n'),
    )
    .action(
      action(async (ctx, opts) => {
        const [{ loadClusterFile }, { ensureBundleInBucket }] = await Promise.all([import('../../../config/cluster-file.ts'), import('../../../admin/agent-upgrade.ts')]);
        const config = await loadClusterFile(opts.file);
        // Admins only: the agent says so before anything is uploaded.
        await ctx.agent('admin.agent.status', {});
        const upload = await ensureBundleInBucket(config, (message) => ctx.io.progress(message));
        ctx.io.progress(upload.uploaded ? `uploaded to ${upload.location}` : `${upload.location} holds this bundle already`);
        const r = await ctx.agent('admin.agent.upgrade', { bundle: upload.bundle });
        ctx.io.result({ ...r, uploaded: upload.uploaded, location: upload.location }, () => {
          const rows = r.nodes.map((n) => [
            n.node,
            n.role,
            n.outcome,
            n.agent ? (n.agent.mode === 'daemon' ? 'resident' : 'per request') : '',
            n.agent?.version ?? '',
            n.agent?.pid === undefined ? '' : String(n.agent.pid),
            n.error ?? '',
          ]);
          const changed = r.nodes.filter((n) => n.outcome === 'upgraded').length;
          return [
            renderTable(['NODE', 'ROLE', 'OUTCOME', 'AGENT', 'VERSION', 'PID', 'NOTE'], rows),
            changed === 0 ? `every node runs agent bundle ${short(r.bundle)} already: no changes` : `${changed} node(s) now run agent bundle ${short(r.bundle)}`,
          ].join('\n');
        });
      }),
    );
};
