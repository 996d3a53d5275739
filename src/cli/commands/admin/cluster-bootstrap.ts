import { heartbeat } from '../../../heartbeat.ts';
import type { CommandModule } from '../../command.ts';
import { FutuswarmError } from '../../../core/errors.ts';
import { readBindPassword } from './bind-password.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-f, --file <file>', 'the cluster file (futuswarm admin cluster:init writes one)')
    .option('--plan', 'only show what would be created or changed; touch nothing')
    .option('--all', 'list unchanged resources in the plan too')
    .option('--ldap-password-stdin', 'read the LDAP bind password (access.ldap.bindDn) from standard input and store it sealed in the state bucket, as cluster:ldap-password does')
    .addHelpText(
      'after',
      [
        '',
        'Runs on your machine with your AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and',
        'AWS_SECRET_ACCESS_KEY). Finds what exists by its tags, prints the plan, then creates and',
        'updates in dependency order. Running it again creates nothing and reports "no changes"; a run',
        'that stopped half-way continues where it stopped.',
        '',
        'Examples:',
        '  futuswarm admin cluster:bootstrap -f prod.yaml --plan',
        '  futuswarm admin cluster:bootstrap -f prod.yaml',
        '  futuswarm admin cluster:bootstrap -f prod.yaml --ldap-password-stdin < ldap-bind-password.txt',
        '',
      ].join('\n'),
    )
    .action(
      action(async (ctx, opts) => {
        const [{ loadClusterFile }, bootstrap, { formatPlan, planSummary }] = await Promise.all([
          import('../../../config/cluster-file.ts'),
          import('../../../admin/bootstrap.ts'),
          import('../../../core/plan-bootstrap.ts'),
        ]);
        const file = opts.file;
        const config = await loadClusterFile(file);
        // Read and checked before anything changes: bad input leaves the account as it was.
        const ldapPassword = opts.ldapPasswordStdin ? await readBindPassword(config, file, `cluster:bootstrap -f ${file} --ldap-password-stdin`) : undefined;
        // Waits on AWS (instances, the load balancer) take minutes: a quiet step says how long so far.
        const beat = heartbeat((_step, message) => ctx.io.progress(message));
        const onProgress = (message: string) => beat.progress('bootstrap', message);
        try {
          const plan = await bootstrap.planClusterBootstrap(config, { onProgress });
          const summary = planSummary(plan);
          const planText = formatPlan(plan, { all: opts.all === true });
          if (opts.plan) {
            ctx.io.result({ plan: summary }, () => planText);
            return;
          }
          const conflicts = plan.steps.filter((s) => s.conflict !== undefined);
          if (conflicts.length > 0) {
            throw new FutuswarmError('conflict', `cluster:bootstrap found names it needs taken by resources of someone else; nothing was changed:\n  ${conflicts.map((s) => `${s.kind} ${s.name}: ${s.conflict}`).join('\n  ')}`, {
              hint: `remove or rename them (or tag them futuswarm:cluster=${config.name} if they really are this cluster's), then run: futuswarm admin cluster:bootstrap -f ${file}`,
              details: { plan: summary },
            });
          }
          if (ctx.io.mode === 'human') ctx.io.raw(`${planText}\n`);
          const result = await bootstrap.applyBootstrap(plan, { onProgress });
          const { ldapBindPasswordMissing, storeLdapBindPassword } = await import('../../../aws/ldap-password.ts');
          if (ldapPassword !== undefined) {
            onProgress(`sealing the LDAP bind password of ${ldapPassword.bindDn} with ${config.name}'s key`);
            await storeLdapBindPassword(config, ldapPassword.bindDn, ldapPassword.password);
          }
          const ldapNext = (await ldapBindPasswordMissing(config))
            ? `next: store the LDAP bind password of ${config.access.ldap?.bindDn}: futuswarm admin cluster:ldap-password -f ${file}`
            : undefined;
          ctx.io.result({ plan: summary, result, ...(ldapNext ? { next: [ldapNext] } : {}) }, () => {
            if (result.noChanges) return [`cluster ${result.cluster}: no changes`, ...(ldapNext ? [ldapNext] : [])].join('\n');
            const lines = [
              `cluster ${result.cluster} in ${result.region}: ${result.created.length} created, ${result.updated.length} updated, ${result.unchanged.length} unchanged`,
              `state: ${result.stateObject}`,
            ];
            if (result.loadBalancerDnsName) lines.push(`load balancer: ${result.loadBalancerDnsName} (point *.${config.domain} here)`);
            lines.push(`check it: futuswarm admin cluster:status -f ${file}`);
            if (ldapNext) lines.push(ldapNext);
            return lines.join('\n');
          });
        } finally {
          beat.stop();
        }
      }),
    );
};
