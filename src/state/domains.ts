/**
 * Extra host names (`domains/<host>`): whoever creates the object first holds the name, so two
 * apps never get one host, whichever manager each asks.
 */
import { FutuswarmError } from '../core/errors.ts';
import { checkApp, isConflict, parseJson, putJson, StateConcern } from './json.ts';
import { stateKeys } from './keys.ts';

export class Domains extends StateConcern {
  /** Which app holds a host name, if any. */
  async holder(host: string): Promise<string | undefined> {
    const object = await this.store.get(stateKeys.domain(host));
    if (!object) return undefined;
    const data = parseJson(object, `domain ${host}`) as { app?: unknown };
    return typeof data.app === 'string' ? data.app : undefined;
  }

  /**
   * Claim a host name for an app, atomically across the cluster: the first claim wins, a
   * claim by another app fails with `conflict`. Claiming a name the app holds is a no-op.
   */
  async claim(app: string, host: string, user: string): Promise<void> {
    checkApp(app);
    try {
      await putJson(this.store, stateKeys.domain(host), { app, by: user, at: this.now().toISOString() }, { ifNoneMatch: '*' });
    } catch (e) {
      if (!isConflict(e)) throw e;
      const holder = await this.holder(host);
      if (holder === app) return;
      throw new FutuswarmError('conflict', `${host} is already used by the app ${holder ?? '(unknown)'}`, {
        hint: holder ? `remove it there first: futuswarm app:domains remove -n ${holder} ${host}` : 'choose another host name',
      });
    }
  }

  /** Give a host name up, if the app holds it. */
  async release(app: string, host: string): Promise<void> {
    if ((await this.holder(host)) !== app) return;
    await this.store.delete(stateKeys.domain(host));
  }
}
