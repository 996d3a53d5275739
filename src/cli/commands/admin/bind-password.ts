/** The LDAP bind password as admin commands read it: from standard input (no echo at a terminal), never argv. */
import type { ClusterConfig } from '../../../config/cluster-file.ts';
import { FutuswarmError, parseWith } from '../../../core/errors.ts';
import { bindPasswordFromInput, ldapBindPassword } from '../../../core/ldap-bind-password.ts';
import { readSecretLine } from '../../prompt.ts';

/** The bind password from standard input, for the cluster file's access.ldap.bindDn. */
export async function readBindPassword(config: ClusterConfig, file: string, command: string): Promise<{ bindDn: string; password: string }> {
  const { bindDnFor } = await import('../../../aws/ldap-password.ts');
  const bindDn = bindDnFor(config, file);
  const input = await readSecretLine(`LDAP bind password for ${bindDn}: `);
  if (input === undefined) {
    throw new FutuswarmError('invalid_input', 'no password given: standard input was empty; nothing was changed', {
      hint: `pipe it in (futuswarm admin ${command} < password-file) or run this at a terminal`,
    });
  }
  return { bindDn, password: parseWith(ldapBindPassword, bindPasswordFromInput(input), 'the LDAP bind password') };
}

