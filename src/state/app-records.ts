/**
 * Apps that exist before their first deploy: `app:create` writes one small record per app, so
 * databases, caches, secrets, domains and owners can be attached before any code runs (as on
 * Heroku or fly). The record also holds what the app's settings will start from (its extra
 * domains) until the first deploy stores real settings.
 *
 * One object per app under one prefix (`app-records/<app>`), so listing every created app is a
 * single listing, however many releases the apps have. Creation is create-if-absent: of two
 * people creating one name at once, exactly one succeeds.
 */
import * as z from 'zod';
import type { ObjectStore, StoredObject } from '../aws/state-store.ts';
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { appName, domainName, userName } from '../core/names.ts';
import { putJson } from './json.ts';
import { stateKeys } from './keys.ts';


const appRecordSchema = z.strictObject({
  app: appName,
  createdBy: userName,
  createdAt: z.iso.datetime(),
  /** Extra host names claimed before the first deploy; the first deploy's settings take them. */
  domains: z.array(domainName).max(50).default([]),
});
export type AppRecord = z.output<typeof appRecordSchema>;

export class AppRecords {
  readonly #store: ObjectStore;
  readonly #now: () => Date;

  constructor(store: ObjectStore, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#now = now;
  }

  /** Create the app's record; `created: false` (and the existing record) when it exists. */
  async create(app: string, user: string): Promise<{ created: boolean; record: AppRecord }> {
    const record = parseWith(appRecordSchema, { app, createdBy: user, createdAt: this.#now().toISOString(), domains: [] }, 'app record');
    try {
      await putJson(this.#store, stateKeys.appRecord(app), record, { ifNoneMatch: '*' });
      return { created: true, record };
    } catch (e) {
      if (!isFutuswarmError(e) || e.code !== 'conflict') throw e;
    }
    const existing = await this.get(app);
    if (!existing) throw new FutuswarmError('conflict', `${app} is being created and removed at the same time`, { hint: 're-run the command' });
    return { created: false, record: existing.record };
  }

  async get(app: string): Promise<{ record: AppRecord; etag: string } | undefined> {
    const object = await this.#store.get(stateKeys.appRecord(parseWith(appName, app, 'app')));
    return object ? { record: parse(object, app), etag: object.etag } : undefined;
  }

  /** Replace the record read with `etag`; a change made meanwhile fails with `conflict`. */
  async update(app: string, etag: string, record: AppRecord): Promise<void> {
    const value = parseWith(appRecordSchema, record, 'app record');
    await putJson(this.#store, stateKeys.appRecord(app), value, { ifMatch: etag });
  }

  /** The names of every app with a record, in name order: one listing, no reads. */
  async names(): Promise<string[]> {
    return (await this.#store.list(stateKeys.appRecords)).map((k) => k.key.slice(stateKeys.appRecords.length));
  }

  /** The records of `apps` (default: every one), in name order. */
  async list(apps?: readonly string[]): Promise<AppRecord[]> {
    const records = await Promise.all((apps ?? (await this.names())).map((app) => this.get(app).catch(() => undefined)));
    return records.flatMap((r) => (r ? [r.record] : []));
  }

  /** Delete every version of the record (app:remove --purge frees the name). */
  async purge(app: string): Promise<void> {
    const versions = await this.#store.versions(stateKeys.appRecord(parseWith(appName, app, 'app')));
    for (const v of versions) await this.#store.delete(v.key, { versionId: v.versionId });
  }
}

function parse(object: StoredObject, app: string): AppRecord {
  let data: unknown;
  try {
    data = JSON.parse(object.body.toString('utf8'));
  } catch {
    throw new FutuswarmError('protocol', `record of ${app}: stored object is not JSON`);
  }
  return parseWith(appRecordSchema, data, `record of ${app}`, { code: 'protocol' });
}
