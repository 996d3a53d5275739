/** An app's settings (`apps/<app>/settings`): one JSON object, changed only by If-Match. */
import type { z } from 'zod';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { checkApp, isConflict, jsonObject, parseJson, putJson, StateConcern } from './json.ts';
import { stateKeys } from './keys.ts';

export class SettingsStore extends StateConcern {
  /** The app's settings and the ETag to pass back to put; undefined if none yet. */
  async get<T = Record<string, unknown>>(
    app: string,
    schema?: z.ZodType<T>,
  ): Promise<{ settings: T; etag: string } | undefined> {
    checkApp(app);
    const object = await this.store.get(stateKeys.settings(app));
    if (!object) return undefined;
    const data = parseJson(object, `settings of ${app}`);
    const settings = parseWith(schema ?? jsonObject, data, `settings of ${app}`, { code: 'protocol' }) as T;
    return { settings, etag: object.etag };
  }

  /**
   * Store the app's settings. `etag` is what get returned (undefined: create them);
   * a change made meanwhile by someone else fails with `conflict`.
   */
  async put<T = Record<string, unknown>>(
    app: string,
    settings: T,
    etag: string | undefined,
    schema?: z.ZodType<T>,
  ): Promise<{ etag: string; versionId: string | undefined }> {
    checkApp(app);
    const value = parseWith(schema ?? jsonObject, settings, `settings of ${app}`);
    try {
      return await putJson(this.store, stateKeys.settings(app), value, etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag });
    } catch (e) {
      if (!isConflict(e)) throw e;
      throw new FutuswarmError('conflict', `settings of ${app} were changed by someone else meanwhile`, {
        hint: 're-run the command',
        cause: e,
      });
    }
  }
}
