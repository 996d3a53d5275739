import type { CommandModule } from '../../command.ts';
import { readBindPassword } from './bind-password.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-f, --file <file>', 'the cluster file')
    .addHelpText(
      'after',
      [
        '',
        'Stores the password of access.ldap.bindDn in the state bucket, sealed with the cluster\'s KMS',
        'key; every manager\'s agent reads it from there for its next LDAP lookup. Run it again to change',
        'the password. The password is read from standard input (typed without echo at a terminal),',
        'never from the command line. Runs with your AWS credentials.',
        '',
        'Examples:',
        '  futuswarm admin cluster:ldap-password -f prod.yaml',
        '  futuswarm admin cluster:ldap-password -f prod.yaml < ldap-bind-password.txt',
        '',
      ].join('\n'),
    )
    .action(
      action(async (ctx, opts) => {
        const [{ loadClusterFile }, { storeLdapBindPassword }] = await Promise.all([
          import('../../../config/cluster-file.ts'),
          import('../../../aws/ldap-password.ts'),
        ]);
        const file = opts.file;
        const config = await loadClusterFile(file);
        const { bindDn, password } = await readBindPassword(config, file, `cluster:ldap-password -f ${file}`);
        ctx.io.progress(`sealing the password with ${config.name}'s key and storing it in the state bucket`);
        const stored = await storeLdapBindPassword(config, bindDn, password);
        ctx.io.result(stored, () =>
          [
            `${stored.replaced ? 'replaced' : 'stored'} the LDAP bind password of ${stored.bindDn}`,
            `  in s3://${stored.bucket}/${stored.key}, sealed with ${stored.encryptionKey}`,
            '  managers use it from their next LDAP lookup',
          ].join('\n'),
        );
      }),
    );
};
