/**
 * Who may do what. Every op declares the access it needs (op.ts `Access`); serve() calls
 * `authorize` before the app's lock is taken and before the handler runs, so a refused request
 * changes nothing.
 *
 * - Owners are per app, in the state store (apps/<app>/acl). The first deploy of a name nobody
 *   has claims it: the claim is an S3 create-if-absent, so of two people creating the same
 *   name at once exactly one becomes its owner and the other is refused before anything runs.
 * - Admins act on every app and run admin ops: people listed in the agent config `admins:`,
 *   members of the LDAP admin group (`ldap.adminGroup`), and users-file people whose `groups:`
 *   name that group (`futuswarm-admins` when LDAP names none).
 */
import { appNotFound, FutuswarmError } from '../core/errors.ts';
import { LABEL } from '../core/service-spec.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { lookupPerson } from './key-lookup.ts';
import type { Access, OpContext } from './op.ts';

/** The admin group's name when the agent config's ldap: section names none. */
export const DEFAULT_ADMIN_GROUP = 'futuswarm-admins';

export interface Identity {
  user: string;
  /** Where the person was found; `config` when only the agent config's `admins:` names them. */
  source: 'ldap' | 'users-file' | 'config';
  groups: string[];
  admin: boolean;
  /** Every reason the person is an admin, e.g. `LDAP group futuswarm-admins`. */
  adminVia: string[];
}

/** How a request was let through: as anyone, as an owner, as an admin, or by claiming a new app. */
export type GrantedAs = 'anyone' | 'owner' | 'admin' | 'new-owner';

export interface Grant {
  as: GrantedAs;
  /** This request made the caller the app's first owner. */
  claimed: boolean;
}

export function adminGroupName(config: Pick<AgentConfig, 'ldap'>): string {
  return config.ldap?.adminGroup ?? DEFAULT_ADMIN_GROUP;
}

/** Who the cluster thinks `user` is: groups, admin or not, and why. */
export async function resolveIdentity(config: AgentConfig, user: string): Promise<Identity> {
  const person = await lookupPerson(config, user);
  const group = adminGroupName(config);
  const adminVia: string[] = [];
  if (config.admins.includes(user)) adminVia.push('agent config admins');
  if (person?.source === 'ldap' && config.ldap?.adminGroup !== undefined && person.groups.includes(config.ldap.adminGroup)) {
    adminVia.push(`LDAP group ${config.ldap.adminGroup}`);
  }
  if (person?.source === 'users-file' && person.groups.includes(group)) adminVia.push(`users file group ${group}`);
  return {
    user,
    source: person?.source ?? 'config',
    groups: person?.groups ?? [],
    admin: adminVia.length > 0,
    adminVia,
  };
}

/** Whether `user` is an admin. The config list is checked first, so it works while LDAP is down. */
export async function isAdmin(config: AgentConfig, user: string): Promise<boolean> {
  if (config.admins.includes(user)) return true;
  return (await resolveIdentity(config, user)).admin;
}

/** "alice", "alice and bob", "alice, bob and carol". */
export function listPeople(people: readonly string[]): string {
  if (people.length <= 1) return people.join('');
  return `${people.slice(0, -1).join(', ')} and ${people[people.length - 1]}`;
}

export function notOwnerError(app: string, owners: readonly string[], user: string): FutuswarmError {
  return new FutuswarmError('forbidden', `forbidden: ${app} is owned by ${listPeople(owners)} (ask an owner: futuswarm app:owners add -n ${app} ${user})`, {
    details: { app, owners },
  });
}

function notAdminError(config: AgentConfig, op: string, user: string): FutuswarmError {
  const how = config.ldap?.adminGroup !== undefined
    ? `membership of the LDAP group ${config.ldap.adminGroup}`
    : `a place in the agent config's admins: list`;
  return new FutuswarmError('forbidden', `forbidden: ${op} is for admins and ${user} is not one (an admin can grant ${how})`);
}

function noOwnersError(app: string, user: string): FutuswarmError {
  return new FutuswarmError('forbidden', `forbidden: ${app} has no owners (ask an admin: futuswarm app:owners add -n ${app} ${user})`);
}

/** Whether the state bucket knows the app: its record (app:create) or stored settings (a deploy). */
export async function appStored(ctx: OpContext, app: string): Promise<boolean> {
  const state = await ctx.state();
  const [record, settings] = await Promise.all([state.apps.get(app), state.settings.get(app)]);
  return record !== undefined || settings !== undefined;
}

/**
 * Whether an app of this name exists apart from its owners: its record (app:create), stored
 * settings (every deploy stores them) or a service futuswarm manages.
 */
export async function appExists(ctx: OpContext, app: string): Promise<boolean> {
  if (await appStored(ctx, app)) return true;
  const service = await (await ctx.docker()).findService(app);
  return service !== undefined && service.labels[LABEL.app] === app;
}

export interface AuthorizeRequest {
  op: string;
  access: Access;
  /** The app the request names; required for `app` and `deploy` access. */
  app: string | undefined;
  /** For `deploy` on a new name: claim it (false for a dry run, which changes nothing). */
  claim: boolean;
}

/** Let the request through or throw `forbidden` (or `not_found`). Never has a side effect but the claim. */
export async function authorize(ctx: OpContext, request: AuthorizeRequest): Promise<Grant> {
  const { user, config } = ctx;
  const granted = (as: GrantedAs, claimed = false): Grant => ({ as, claimed });
  if (request.access === 'read') return granted('anyone');
  if (request.access === 'admin') {
    if (await isAdmin(config, user)) return granted('admin');
    throw notAdminError(config, request.op, user);
  }
  const app = request.app;
  if (app === undefined) throw new FutuswarmError('internal', `${request.op} needs ${request.access} access but names no app`);
  // Owners as S3 has them now, whatever the op: who may act on an app is never read from memory.
  const state = await ctx.state({ fresh: true });
  let owners = (await state.owners.get(app))?.owners;
  if (owners === undefined && (await appExists(ctx, app))) {
    // A claim always comes before the app exists: one made since the first look shows now.
    owners = (await state.owners.get(app))?.owners;
    if (owners === undefined) {
      // An app from before owners existed, or whose owners were removed by hand.
      if (await isAdmin(config, user)) return granted('admin');
      throw noOwnersError(app, user);
    }
  }
  if (owners === undefined) {
    if (request.access !== 'deploy') {
      if (await isAdmin(config, user)) return granted('admin');
      throw appNotFound(app);
    }
    if (!request.claim) return granted('anyone');
    const claim = await state.owners.claim(app, user);
    if (claim.created) return granted('new-owner', true);
    owners = claim.owners.owners;
  }
  if (owners.includes(user)) return granted('owner');
  if (await isAdmin(config, user)) return granted('admin');
  throw notOwnerError(app, owners, user);
}

/**
 * Whether the caller may see what only an app's owners see (its health command, release
 * notes): an owner or an admin. For ops that anyone may call; never throws `forbidden`.
 * Through ctx.state(): in the resident agent, a read-only op may take the owners from its
 * memory, up to daemon.stateCacheSeconds old; a mutating op (a link) reads them from S3.
 */
export async function mayManage(ctx: OpContext, app: string): Promise<boolean> {
  const owners = (await (await ctx.state()).owners.get(app))?.owners ?? [];
  return owners.includes(ctx.user) || (await isAdmin(ctx.config, ctx.user));
}

/**
 * Undo a claim whose request failed before the app came to exist (a first deploy that never
 * ran), so the name is free again. Owners changed meanwhile are left alone.
 */
export async function releaseClaim(ctx: OpContext, app: string): Promise<void> {
  const state = await ctx.state({ fresh: true });
  const owners = await state.owners.get(app);
  if (!owners || owners.owners.length !== 1 || owners.owners[0] !== ctx.user || owners.createdBy !== ctx.user) return;
  if (await appExists(ctx, app)) return;
  await state.owners.delete(app);
}
