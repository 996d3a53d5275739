/**
 * An app's releases: `apps/<app>/releases/<n>`, each created once (If-None-Match), so two
 * deploys never get one number. A release records the image (by digest), the secrets version
 * and the settings it ran with: what a rollback redeploys.
 *
 * A rollout takes its number before Swarm hears of it (`start`, status `started`) and records
 * how it ended (`finish`: `deployed` or `failed`), so a number is never given twice: not after
 * a release that failed, nor after an agent that stopped following its rollout.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson } from '../core/envelope.ts';
import { FutuswarmError, parseWith } from '../core/errors.ts';
import { userName } from '../core/names.ts';
import { checkApp, isConflict, isoTime, jsonObject, mapLimit, parseJson, putJson, StateConcern } from './json.ts';
import { stateKeys } from './keys.ts';

/**
 * `started`: its rollout began and how it ended is not recorded (it is still rolling out, or the
 * agent stopped following it); `deployed`: it ran healthy; `failed`: it never did.
 */
export const RELEASE_STATUSES = ['started', 'deployed', 'failed'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export const releaseSchema = z.looseObject({
  n: z.number().int().min(1),
  /** Repository as deployed, e.g. acme/shop. */
  image: z.string().min(1),
  tag: z.string().optional(),
  /** Repo digest as resolved on the manager (sha256:…). */
  imageDigest: z.string().optional(),
  /** Local image id, for images that have no repo digest. */
  imageId: z.string().optional(),
  /** S3 version of apps/<app>/secrets that the release runs with; null when it has none. */
  secretsVersion: z.string().nullable(),
  settingsHash: z.string(),
  settings: jsonObject,
  user: userName,
  time: isoTime,
  note: z.string().max(500).optional(),
  rollbackOf: z.number().int().min(1).optional(),
  /** Records from before statuses were kept are releases that ran: `deployed`. */
  status: z.enum(RELEASE_STATUSES).default('deployed'),
  /** Why a failed release failed, as its deploy said. */
  failure: z.string().max(2000).optional(),
});
export type Release = z.output<typeof releaseSchema>;
/** A release as handed in to be stored (its status defaults to deployed). */
export type ReleaseRecord = z.input<typeof releaseSchema>;
const releaseInputSchema = releaseSchema.omit({ n: true }).partial({ time: true, settingsHash: true });
/** What a deploy hands to recordRelease; n, time and settingsHash are filled in. */
export type ReleaseInput = z.input<typeof releaseInputSchema>;

/** A release whose rollout has begun, and the ETag its end is recorded against. */
export interface StartedRelease {
  release: Release;
  etag: string;
}

/** How a started release ended. */
export type ReleaseEnd = { status: 'deployed' } | { status: 'failed'; failure: string };

/** A stable hash of an app's settings, recorded in releases. */
export function hashSettings(settings: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(settings)).digest('hex')}`;
}

export class Releases extends StateConcern {
  async #releaseNumbers(app: string): Promise<number[]> {
    const prefix = stateKeys.releases(app);
    return (await this.store.list(prefix))
      .map((o) => o.key.slice(prefix.length))
      .filter((rest) => /^[1-9][0-9]*$/.test(rest))
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** The number the next release of the app gets (1 for the first). */
  async next(app: string): Promise<number> {
    checkApp(app);
    const numbers = await this.#releaseNumbers(app);
    return (numbers.at(-1) ?? 0) + 1;
  }

  /** Store release `release.n`; fails with `conflict` if that number is taken. */
  async put(app: string, release: ReleaseRecord): Promise<Release> {
    checkApp(app);
    const record = parseWith(releaseSchema, release, `release of ${app}`, { code: 'internal' });
    try {
      await putJson(this.store, stateKeys.release(app, record.n), record, { ifNoneMatch: '*' });
    } catch (e) {
      if (!isConflict(e)) throw e;
      throw new FutuswarmError('conflict', `release ${record.n} of ${app} was recorded by another deploy first`, {
        hint: `see futuswarm app:releases -n ${app}, then re-run the deploy`,
        cause: e,
      });
    }
    return record;
  }

  /**
   * Take the next free number, at least `floor`, for a release whose rollout begins now: it is
   * stored as `started` before Swarm hears of it, so no later release gets its number,
   * whatever becomes of this one. A number taken meanwhile is skipped.
   *
   * `floorIsNext`: the caller knows the floor to be the next number (the live release + 1), as
   * it is unless a release failed or the app was removed: it is tried first, with no listing of
   * the app's releases, which grows with every release. Taken, the listing decides as usual.
   */
  async start(app: string, release: Omit<ReleaseRecord, 'n' | 'status' | 'failure'>, floor = 1, options: { floorIsNext?: boolean } = {}): Promise<StartedRelease> {
    if (options.floorIsNext) {
      const started = await this.#take(app, release, floor);
      if (started) return started;
    }
    let n = Math.max(await this.next(app), floor);
    for (let attempt = 1; ; attempt++, n++) {
      const started = await this.#take(app, release, n);
      if (started) return started;
      if (attempt >= 3) {
        throw new FutuswarmError('conflict', `release numbers of ${app} were taken by other deploys as fast as this one tried them`, { hint: 're-run the deploy' });
      }
    }
  }

  /** Store release `n` as started; undefined when that number is taken. */
  async #take(app: string, release: Omit<ReleaseRecord, 'n' | 'status' | 'failure'>, n: number): Promise<StartedRelease | undefined> {
    const record = parseWith(releaseSchema, { ...release, n, status: 'started' }, `release of ${app}`, { code: 'internal' });
    try {
      const written = await putJson(this.store, stateKeys.release(app, n), record, { ifNoneMatch: '*' });
      return { release: record, etag: written.etag };
    } catch (e) {
      if (!isConflict(e)) throw e;
      return undefined;
    }
  }

  /** Record how a started release ended; its number stays taken either way. */
  async finish(app: string, started: StartedRelease, end: ReleaseEnd): Promise<Release> {
    checkApp(app);
    const record = parseWith(releaseSchema, { ...started.release, ...end }, `release of ${app}`, { code: 'internal' });
    await putJson(this.store, stateKeys.release(app, record.n), record, { ifMatch: started.etag });
    return record;
  }

  /** Give a started release's number back: only for a name that never became an app. */
  async forget(app: string, started: StartedRelease): Promise<void> {
    checkApp(app);
    await this.store.delete(stateKeys.release(app, started.release.n), { ifMatch: started.etag });
  }

  /** Number, time and settings hash filled in, then put. */
  async record(app: string, input: ReleaseInput): Promise<Release> {
    const n = await this.next(app);
    return this.put(app, {
      ...input,
      n,
      time: input.time ?? this.now().toISOString(),
      settingsHash: input.settingsHash ?? hashSettings(input.settings),
    });
  }

  async get(app: string, n: number): Promise<Release | undefined> {
    checkApp(app);
    if (!Number.isInteger(n) || n < 1) throw new FutuswarmError('invalid_input', `release: ${n} is not a release number`);
    const object = await this.store.get(stateKeys.release(app, n));
    if (!object) return undefined;
    return parseWith(releaseSchema, parseJson(object, `release ${n} of ${app}`), `release ${n} of ${app}`, { code: 'protocol' });
  }

  /** Newest first. */
  async list(app: string, options: { limit?: number } = {}): Promise<Release[]> {
    checkApp(app);
    const numbers = (await this.#releaseNumbers(app)).reverse().slice(0, options.limit ?? Infinity);
    const releases = await mapLimit(numbers, 8, (n) => this.get(app, n));
    return releases.filter((r): r is Release => r !== undefined);
  }

  async latest(app: string): Promise<Release | undefined> {
    return (await this.list(app, { limit: 1 }))[0];
  }
}
