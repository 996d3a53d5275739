/**
 * admin.registry.add / list / remove: logins for external private registries. A login is
 * tried against the registry before it is stored, so a wrong password is said here and not at
 * the first deploy; the password itself never leaves the state bucket except towards Swarm.
 */
import { FutuswarmError } from '../../core/errors.ts';
import { checkTokenLogin, RegistryClient } from '../../registry/client.ts';
import { defineOp } from '../op.ts';
import { clusterRegistry } from '../registry.ts';

/** Docker speaks plain HTTP only to a loopback registry; so does this check. */
function baseUrl(host: string): string {
  const name = host.replace(/:\d+$/, '');
  return `${name === 'localhost' || name.startsWith('127.') ? 'http' : 'https'}://${host}`;
}

export const registryAdd = defineOp({
  op: 'admin.registry.add',
  access: 'admin',
  mutating: true,
  async handle(ctx, args) {
    if (args.host === clusterRegistry(ctx.config)) {
      throw new FutuswarmError('invalid_input', `${args.host} is the cluster's own registry; its login is the agent's`, {
        hint: 'push into it with futuswarm app:push; registry:add is for registries outside the cluster',
      });
    }
    const login = { username: args.username, password: args.password };
    ctx.progress('check', `trying the login of ${args.username} at ${args.host}`);
    const answer = await new RegistryClient(baseUrl(args.host), login).check();
    const accepted = answer.status === 'ok' || (answer.status === 'token' && (await checkTokenLogin(answer.realm, answer.service, login)));
    if (!accepted) {
      throw new FutuswarmError('invalid_input', `${args.host} refused the login of ${args.username}: wrong username or password`, {
        hint: 'check them with docker login; nothing was stored',
      });
    }
    const { replaced } = await (await ctx.state()).registryLogins.put(args.host, login, ctx.user);
    return { host: args.host, username: args.username, replaced };
  },
});

export const registryList = defineOp({
  op: 'admin.registry.list',
  access: 'admin',
  mutating: false,
  async handle(ctx) {
    const logins = await (await ctx.state()).registryLogins.list();
    // Only what the answer names: the stored meta may carry more.
    const registries = logins.map(({ host, username, addedBy, addedAt }) => ({ host, username, addedBy, addedAt }));
    return { cluster: clusterRegistry(ctx.config), registries };
  },
});

export const registryRemove = defineOp({
  op: 'admin.registry.remove',
  access: 'admin',
  mutating: true,
  async handle(ctx, args) {
    await (await ctx.state()).registryLogins.remove(args.host);
    return { host: args.host, removed: true };
  },
});
