/**
 * app.owners*: who may act on an app. Anyone may see the owners (refusals name them); owners
 * and admins add and remove them. An app always keeps at least one owner.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { lookupPerson } from '../key-lookup.ts';
import { defineOp, type OpContext } from '../op.ts';
import type { OwnersResult } from '../../results/people.ts';
import { requireApp } from '../release.ts';

function result(app: string, acl: { owners: string[]; createdBy: string; createdAt: string } | undefined, changed?: boolean): OwnersResult {
  return {
    app,
    owners: acl?.owners ?? [],
    createdBy: acl?.createdBy ?? null,
    createdAt: acl?.createdAt ?? null,
    ...(changed !== undefined ? { changed } : {}),
  };
}

/** Owners must be people the cluster knows, so a typo does not hand an app to nobody. */
async function requireKnownPerson(ctx: OpContext, user: string): Promise<void> {
  if (ctx.config.admins.includes(user)) return;
  if (await lookupPerson(ctx.config, user)) return;
  throw new FutuswarmError('not_found', `nobody named ${user} is known to this cluster (not in LDAP, not in the users file)`, {
    hint: 'check the spelling: owners are LDAP uids or users-file names',
  });
}

export const ownersList = defineOp({
  op: 'app.owners',
  access: 'read',
  mutating: false,
  async handle(ctx, args) {
    const owners = await (await ctx.state()).owners.get(args.app);
    if (!owners) await requireApp(ctx, args.app);
    return result(args.app, owners);
  },
});

export const ownersAdd = defineOp({
  op: 'app.owners.add',
  access: 'app',
  mutating: true,
  // Owners change with a conditional write of their own; a deploy in progress need not finish first.
  lock: false,
  async handle(ctx, args) {
    await requireKnownPerson(ctx, args.user);
    const state = await ctx.state();
    const before = await state.owners.get(args.app);
    if (!before) {
      // Only an admin gets here (authorize): the app predates owners or lost them.
      const claim = await state.owners.claim(args.app, args.user);
      if (claim.created) return result(args.app, claim.owners, true);
    }
    const after = await state.owners.add(args.app, ctx.user, args.user);
    return result(args.app, after, !(before?.owners.includes(args.user) ?? false));
  },
});

export const ownersRemove = defineOp({
  op: 'app.owners.remove',
  access: 'app',
  mutating: true,
  lock: false,
  async handle(ctx, args) {
    const after = await (await ctx.state()).owners.remove(args.app, ctx.user, args.user);
    return result(args.app, after, true);
  },
});
