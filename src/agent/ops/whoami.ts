/** whoami: who the cluster thinks the caller is: groups, admin or not, and where that came from. */
import { isFutuswarmError } from '../../core/errors.ts';
import { resolveIdentity } from '../acl.ts';
import { defineOp } from '../op.ts';

export default defineOp({
  op: 'whoami',
  access: 'read',
  mutating: false,
  async handle(ctx) {
    const cluster = ctx.config.cluster;
    try {
      return { ...(await resolveIdentity(ctx.config, ctx.user)), cluster };
    } catch (e) {
      // sshd let the caller in (perhaps from the key cache); say who they are and what is unknown.
      if (!isFutuswarmError(e) || e.code !== 'unavailable') throw e;
      const adminVia = ctx.config.admins.includes(ctx.user) ? ['agent config admins'] : [];
      return { user: ctx.user, source: 'ldap', groups: [], admin: adminVia.length > 0, adminVia, cluster, warning: `groups unknown: ${e.message}` };
    }
  },
});
