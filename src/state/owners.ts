/**
 * Who owns an app (`apps/<app>/acl`): created once with If-None-Match, so of two users claiming
 * a new name exactly one becomes its first owner; changed only by If-Match, as set operations.
 */
import * as z from 'zod';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { userName } from '../core/names.ts';
import { checkApp, checkUser, isConflict, isoTime, parseJson, putJson, StateConcern } from './json.ts';
import { stateKeys } from './keys.ts';

const aclSchema = z.looseObject({
  owners: z.array(userName).min(1),
  createdBy: userName,
  createdAt: isoTime,
  updatedBy: userName.optional(),
  updatedAt: isoTime.optional(),
});
export type AppOwners = z.output<typeof aclSchema> & { etag: string };

export class Owners extends StateConcern {
  async get(app: string): Promise<AppOwners | undefined> {
    checkApp(app);
    const object = await this.store.get(stateKeys.acl(app));
    if (!object) return undefined;
    const acl = parseWith(aclSchema, parseJson(object, `owners of ${app}`), `owners of ${app}`, { code: 'protocol' });
    return { ...acl, etag: object.etag };
  }

  /**
   * Make `user` the first owner of an app that has none. Atomic: of two users claiming the
   * same new name at once, exactly one gets `created: true`; the other sees the winner.
   */
  async claim(app: string, user: string): Promise<{ created: boolean; owners: AppOwners }> {
    checkApp(app);
    checkUser(user);
    const acl = { owners: [user], createdBy: user, createdAt: this.now().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const written = await putJson(this.store, stateKeys.acl(app), acl, { ifNoneMatch: '*' });
        return { created: true, owners: { ...acl, etag: written.etag } };
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
      const existing = await this.get(app);
      if (existing) return { created: false, owners: existing };
      // The owners were removed between the two requests: try again.
    }
    throw new FutuswarmError('conflict', `ownership of ${app} is changing too fast to claim`, { hint: 're-run the command' });
  }

  async #changeOwners(app: string, by: string, change: (owners: string[]) => string[] | undefined): Promise<AppOwners> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(app);
      if (!current) {
        throw new FutuswarmError('not_found', `app ${app} has no owners`, {
          hint: `the first deploy makes its user the owner: futuswarm app:deploy -n ${app} …`,
        });
      }
      const owners = change([...current.owners]);
      if (!owners) return current;
      const { etag: _, ...rest } = current;
      const acl = { ...rest, owners, updatedBy: by, updatedAt: this.now().toISOString() };
      try {
        const written = await putJson(this.store, stateKeys.acl(app), acl, { ifMatch: current.etag });
        return { ...acl, etag: written.etag };
      } catch (e) {
        // Owner changes are set operations: applying them to fresh data is always right.
        if (!isConflict(e)) throw e;
      }
    }
    throw new FutuswarmError('conflict', `owners of ${app} are changing too fast`, { hint: 're-run the command' });
  }

  async add(app: string, by: string, user: string): Promise<AppOwners> {
    checkApp(app);
    checkUser(by, 'by');
    checkUser(user);
    return this.#changeOwners(app, by, (owners) => (owners.includes(user) ? undefined : [...owners, user].sort()));
  }

  /** Refuses to remove the last owner: an app always has someone who can act on it. */
  async remove(app: string, by: string, user: string): Promise<AppOwners> {
    checkApp(app);
    checkUser(by, 'by');
    checkUser(user);
    return this.#changeOwners(app, by, (owners) => {
      if (!owners.includes(user)) {
        throw new FutuswarmError('not_found', `${user} is not an owner of ${app}`, { hint: `see futuswarm app:owners -n ${app}` });
      }
      if (owners.length === 1) {
        throw new FutuswarmError('invalid_input', `${user} is the last owner of ${app}`, {
          hint: `add another owner first (futuswarm app:owners add -n ${app} USER), or remove the app`,
        });
      }
      return owners.filter((o) => o !== user);
    });
  }

  /** Forget the app's owners (app:remove), so the name can be claimed again. */
  async delete(app: string): Promise<void> {
    checkApp(app);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.store.get(stateKeys.acl(app));
      if (!current) return;
      try {
        await this.store.delete(stateKeys.acl(app), { ifMatch: current.etag });
        return;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    throw new FutuswarmError('conflict', `owners of ${app} are changing too fast`, { hint: 're-run the command' });
  }
}
