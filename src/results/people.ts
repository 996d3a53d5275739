/** What the agent answers to secrets, owners, images and whoami. */
import * as z from 'zod';
import { appName, imageDigest, userName } from '../core/names.ts';
import { secretKeyName, secretsMetaSchema } from '../core/secrets.ts';
import { imageRecordSchema } from '../state/images.ts';
import { isoTime } from '../state/json.ts';
import { releaseSchema } from '../state/releases.ts';
import type { Op, RELAYED } from '../protocol.ts';
import { rolloutResultSchema } from './app.ts';

/** The release a rollout ran: what rollOut (src/agent/release.ts) answers as `release`. */
const rolloutRelease = rolloutResultSchema.shape.release;

/**
 * After a change of an app's secrets (app:secrets set/unset; db:create, cache:create … use it
 * too): src/agent/secrets-restart.ts. `release` only when the app was rolled to them.
 */
export const secretsChangeResultSchema = z.strictObject({
  app: appName,
  /** S3 version of the secrets now current; null when the app has none. */
  version: z.string().nullable(),
  set: z.array(z.string()),
  unset: z.array(z.string()),
  changed: z.array(z.string()),
  /** Keys asked to be unset that were not there. */
  missing: z.array(z.string()),
  restarted: z.boolean(),
  release: rolloutRelease.optional(),
});
export type SecretsChangeResult = z.output<typeof secretsChangeResultSchema>;

export const secretsListResultSchema = z.strictObject({
  app: appName,
  version: z.string().nullable(),
  changedBy: secretsMetaSchema.shape.user.nullable(),
  changedAt: secretsMetaSchema.shape.time.nullable(),
  /** Names and sizes, never values. */
  keys: z.array(z.strictObject({ key: z.string(), bytes: z.number().int().min(0) })),
});
export type SecretsListResult = z.output<typeof secretsListResultSchema>;

export const secretsGetResultSchema = z.strictObject({ app: appName, key: z.string(), value: z.string() });
export type SecretsGetResult = z.output<typeof secretsGetResultSchema>;

/** Every value of the current version; `version` null and no values when the app has none. */
export const secretsExportResultSchema = z.strictObject({
  app: appName,
  version: z.string().nullable(),
  values: z.record(secretKeyName, z.string()),
});
export type SecretsExportResult = z.output<typeof secretsExportResultSchema>;

/** One version of an app's secrets (src/state/secrets.ts `SecretsVersion`), newest first. */
export const secretsVersionSchema = z.strictObject({
  versionId: z.string(),
  /** The writer's clock, or S3's for delete markers and unreadable versions. */
  time: isoTime.optional(),
  user: userName.optional(),
  set: z.array(z.string()),
  unset: z.array(z.string()),
  note: secretsMetaSchema.shape.note,
  current: z.boolean(),
  deleted: z.boolean(),
});
export const secretsHistoryResultSchema = z.strictObject({ app: appName, versions: z.array(secretsVersionSchema) });
export type SecretsHistoryResult = z.output<typeof secretsHistoryResultSchema>;

/** app:owners, and after an add or remove (then with `changed`). No owners: empty, nulls. */
export const ownersResultSchema = z.strictObject({
  app: appName,
  owners: z.array(userName),
  createdBy: userName.nullable(),
  createdAt: isoTime.nullable(),
  changed: z.boolean().optional(),
});
export type OwnersResult = z.output<typeof ownersResultSchema>;

/**
 * app.push answers with a `relay` event, then the channel carries raw bytes: the handler returns
 * RELAYED (src/agent/op.ts) and serve() sends no result line, so the CLI never gets one.
 */
export const pushResultSchema = z.custom<typeof RELAYED>((value) => typeof value === 'symbol', 'app.push sends no result');

/** A pushed manifest of the app's repository, with the releases that ran it (newest first). */
export const imageEntrySchema = imageRecordSchema.extend({
  /** What nodes pull: <registry>/<app>@sha256:… */
  reference: z.string(),
  releases: z.array(releaseSchema.shape.n),
});
export type ImageEntry = z.output<typeof imageEntrySchema>;

export const imagesResultSchema = z.strictObject({
  app: appName,
  /** <registry>/<app> */
  repository: z.string(),
  images: z.array(imageEntrySchema),
});
export type ImagesResult = z.output<typeof imagesResultSchema>;

export const imagesPruneResultSchema = z.strictObject({
  app: appName,
  deleted: z.array(imageDigest),
  /** With dryRun: what would go. */
  wouldDelete: z.array(imageDigest),
  kept: z.number().int().min(0),
  dryRun: z.boolean(),
});
export type ImagesPruneResult = z.output<typeof imagesPruneResultSchema>;

/** Who the cluster thinks a person is (src/agent/acl.ts `Identity`). */
export const identitySchema = z.strictObject({
  user: userName,
  /** Where the person was found; `config` when only the agent config's `admins:` names them. */
  source: z.enum(['ldap', 'users-file', 'config']),
  groups: z.array(z.string()),
  admin: z.boolean(),
  /** Every reason the person is an admin, e.g. `LDAP group futuswarm-admins`. */
  adminVia: z.array(z.string()),
});
export const whoamiResultSchema = identitySchema.extend({
  cluster: z.string(),
  /** Set when part of the answer is unknown (LDAP unreachable). */
  warning: z.string().optional(),
});
export type WhoamiResult = z.output<typeof whoamiResultSchema>;

export const PEOPLE_RESULTS = {
  'app.secrets.set': secretsChangeResultSchema,
  'app.secrets.unset': secretsChangeResultSchema,
  'app.secrets.list': secretsListResultSchema,
  'app.secrets.get': secretsGetResultSchema,
  'app.secrets.export': secretsExportResultSchema,
  'app.secrets.history': secretsHistoryResultSchema,
  'app.owners': ownersResultSchema,
  'app.owners.add': ownersResultSchema,
  'app.owners.remove': ownersResultSchema,
  'app.push': pushResultSchema,
  'app.images': imagesResultSchema,
  'app.images.prune': imagesPruneResultSchema,
  'whoami': whoamiResultSchema,
} satisfies Partial<Record<Op, z.ZodType>>;
