/**
 * What the agent answers to the app ops that deploy and run it: deploy, rollback, scale,
 * restart, inspect, list, remove, domains, releases, locks, logs, run and exec.
 */
import * as z from 'zod';
import { appSettingsSchema } from '../core/app-settings.ts';
import { appName, domainName, userName } from '../core/names.ts';
import type { Op } from '../protocol.ts';
import { RELEASE_STATUSES, releaseSchema } from '../state/releases.ts';

/** A release number; 0 when the service carries none. */
const releaseNumber = z.number().int().min(0);

/** One line of a dry run: what a field is now and what it would become (src/core/spec-diff.ts). */
export const specChangeSchema = z.strictObject({ field: z.string(), from: z.string(), to: z.string() });

/** What anything that rolls an app out answers (src/agent/release.ts rollOut): deploy, restart, and the base of rollback and scale. */
export const rolloutResultSchema = z.strictObject({
  app: appName,
  changed: z.boolean(),
  release: releaseNumber,
  /** As Swarm runs it: repo:tag, or repo@sha256:… when pinned. */
  image: z.string().min(1),
  replicas: z.number().int().min(0),
  url: z.string(),
  /** Only on a dry run, and then with `create` and `changes`. */
  dryRun: z.literal(true).optional(),
  /** With dryRun: the app has no service yet, so it would be created. */
  create: z.boolean().optional(),
  changes: z.array(specChangeSchema).optional(),
});
export type RolloutResult = z.output<typeof rolloutResultSchema>;

export const rollbackResultSchema = rolloutResultSchema.extend({
  /** The release that runs again. */
  rollbackOf: z.number().int().min(1),
  /** The secrets version it runs with; null when it had none. */
  secretsVersion: z.string().nullable(),
  /** The new current secrets version restored from it; null on a dry run or when nothing changed. */
  secretsRestored: z.string().nullable(),
  /** On a dry run: the current secrets version, and whether it would be set back to `secretsVersion`'s values. */
  currentSecretsVersion: z.string().nullable().optional(),
  restoresSecrets: z.boolean().optional(),
});
export type RollbackResult = z.output<typeof rollbackResultSchema>;

export const scaleResultSchema = rolloutResultSchema.extend({
  /** The replica count before. */
  from: z.number().int().min(0),
});
export type ScaleResult = z.output<typeof scaleResultSchema>;

export const createResultSchema = z.strictObject({
  app: appName,
  createdBy: userName,
  createdAt: z.iso.datetime(),
  owners: z.array(userName),
  url: z.string(),
});
export type CreateResult = z.output<typeof createResultSchema>;

export const appSummarySchema = z.strictObject({
  app: appName,
  release: releaseNumber,
  /** Repository as deployed; empty for an app that is not deployed. */
  image: z.string(),
  running: z.number().int().min(0),
  desired: z.number().int().min(0),
  url: z.string(),
  /** The service's last update, or when a created app was created. */
  updatedAt: z.string(),
  /** False for an app made with app:create that has no service yet. */
  deployed: z.boolean(),
});
export type AppSummary = z.output<typeof appSummarySchema>;

export const listResultSchema = z.strictObject({ apps: z.array(appSummarySchema) });
export type ListResult = z.output<typeof listResultSchema>;

/** What the proxy on this manager routes to an app, and each server's health (src/agent/proxy-status.ts AppRoutes). */
export const appRoutesSchema = z.strictObject({
  /** `ok` when the proxy answered; otherwise why routes are unknown. */
  proxy: z.enum(['ok', 'not_deployed', 'unavailable']),
  reason: z.string().optional(),
  routes: z.array(
    z.strictObject({
      name: z.string(),
      rule: z.string(),
      entryPoints: z.array(z.string()),
      status: z.string(),
      tls: z.boolean(),
      errors: z.array(z.string()),
    }),
  ),
  servers: z.array(
    z.strictObject({
      url: z.string(),
      /** UP or DOWN by the proxy's health check; UP when the app has none. */
      status: z.string(),
      /** The task behind the server, when it is one of the app's tasks. */
      task: z.string().optional(),
    }),
  ),
  healthCheck: z.strictObject({ path: z.string(), interval: z.string(), timeout: z.string() }).optional(),
});
export type AppRoutesView = z.output<typeof appRoutesSchema>;

/**
 * What an app's read ops leave out for a caller who is neither an owner nor an admin, each named
 * in the result's `ownersOnly` when it was left out: the health command (it may hold a
 * password), service labels besides app, release and image (the settings label holds the health
 * command; the hashes cover secret values), release notes (they name secret keys), why a
 * release failed (it quotes the health command and what it printed), and the names of secrets
 * stored but not yet running.
 */
export const OWNERS_ONLY = ['health.cmd', 'labels', 'note', 'failure', 'pendingSecrets.keys'] as const;
export const ownersOnlySchema = z.array(z.enum(OWNERS_ONLY)).optional();

/** Secrets stored but not yet running (app:secrets … --no-restart): the next deploy applies them. */
export const pendingSecretsSchema = z.strictObject({
  /** The stored version. */
  version: z.string().nullable(),
  /** The version the live release runs with, as recorded. */
  running: z.string().nullable(),
  /** Keys added or changed, and keys removed, since; absent when left out (owners only). */
  set: z.array(z.string()).optional(),
  unset: z.array(z.string()).optional(),
});
export type PendingSecrets = z.output<typeof pendingSecretsSchema>;

export const inspectResultSchema = z.strictObject({
  app: appName,
  release: releaseNumber,
  /** As deployed: repo:tag or repo@sha256:…. */
  image: z.string(),
  replicas: z.strictObject({ running: z.number().int().min(0), desired: z.number().int().min(0) }),
  /** As stored, else as labelled on the service; absent when neither can be read. */
  settings: appSettingsSchema.optional(),
  /** What each task may use as it runs: the app's own limits, the cluster's default for the rest. */
  limits: z.strictObject({ cpus: z.number().positive().optional(), memoryMb: z.number().positive().optional() }).optional(),
  /** Where its tasks may run: the settings' constraints (`zone==a`) and spread labels, and whether the service keeps them off managers. */
  placement: z.strictObject({ constraints: z.array(z.string()), spread: z.array(z.string()), workersOnly: z.boolean() }),
  url: z.string(),
  /** Every host name the app answers to; none when it is internal. */
  domains: z.array(domainName),
  /** The running apps that link to it (app:link), so reach it by name; its own links are in its settings. */
  linkedFrom: z.array(appName),
  /** Swarm's state of the service's last update, if it had one. */
  update: z.strictObject({ state: z.string(), message: z.string() }).optional(),
  /** The last 20 tasks. */
  tasks: z.array(
    z.strictObject({
      id: z.string(),
      slot: z.number().int().optional(),
      /** The node's host name (its ID when Swarm does not know one). */
      node: z.string().optional(),
      release: z.string().optional(),
      state: z.string(),
      desiredState: z.string(),
      error: z.string().optional(),
      since: z.iso.datetime(),
    }),
  ),
  routes: appRoutesSchema,
  labels: z.record(z.string(), z.string()),
  /** Null: the tasks run the stored secrets; absent: they could not be read. */
  pendingSecrets: pendingSecretsSchema.nullable().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  ownersOnly: ownersOnlySchema,
});
export type InspectResult = z.output<typeof inspectResultSchema>;

export const removeResultSchema = z.strictObject({
  app: appName,
  /** Whether a service was removed. */
  removed: z.boolean(),
  purged: z.boolean(),
  ownersRemoved: z.boolean(),
  /** With purge: the database dropped (a dedicated instance leaves its final snapshot); null: it had none. */
  database: z.strictObject({ kind: z.enum(['shared', 'dedicated']), name: z.string(), snapshot: z.string().nullable() }).nullable(),
  /** With purge: the cache deleted; null: it had none. */
  cache: z.string().nullable(),
});
export type RemoveResult = z.output<typeof removeResultSchema>;

export const domainsResultSchema = z.strictObject({
  app: appName,
  /** The extra host names. */
  domains: z.array(domainName),
  /** Every host name the app answers to: <app>.<cluster domain> first. */
  hosts: z.array(domainName),
  changed: z.boolean(),
});
export type DomainsResult = z.output<typeof domainsResultSchema>;

export const linksResultSchema = z.strictObject({
  app: appName,
  /** The apps whose network the app's tasks join: it reaches them by name. */
  links: z.array(appName),
  /** The running apps that link to this one. */
  linkedFrom: z.array(appName),
  changed: z.boolean(),
  /** The release that runs with the new links; absent when nothing changed. */
  release: releaseNumber.optional(),
});
export type LinksResult = z.output<typeof linksResultSchema>;

const release = releaseSchema.shape;
export const releaseViewSchema = z.strictObject({
  n: release.n,
  /** Whether the service runs it now. */
  live: z.boolean(),
  /** repo:tag, or the repository alone. */
  image: release.image,
  /** The registry digest, else the local image ID; null when neither was recorded. */
  imageId: z.string().nullable(),
  secretsVersion: release.secretsVersion,
  user: release.user,
  time: release.time,
  /** Null when it has none; absent when left out (owners only). */
  note: z.string().nullable().optional(),
  rollbackOf: release.rollbackOf.unwrap().nullable(),
  /** deployed: it ran healthy; failed: it never did; started: how its rollout ended is not recorded. */
  status: z.enum(RELEASE_STATUSES),
  /** Why it failed; null when it did not; absent when left out (owners only). */
  failure: z.string().nullable().optional(),
});
export type ReleaseView = z.output<typeof releaseViewSchema>;

export const releasesResultSchema = z.strictObject({
  app: appName,
  /** The live release; null when the app has no service. */
  live: releaseNumber.nullable(),
  /** Newest first. */
  releases: z.array(releaseViewSchema),
  ownersOnly: ownersOnlySchema,
});
export type ReleasesResult = z.output<typeof releasesResultSchema>;

/** An app's lock as the lock ops show it (src/agent/ops/app-lock.ts). */
export const lockViewSchema = z.strictObject({
  user: userName,
  /** The op holding it: app.lock for an explicit lock. */
  op: z.string(),
  message: z.string().nullable(),
  since: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  expired: z.boolean(),
});
export type LockView = z.output<typeof lockViewSchema>;

export const lockResultSchema = z.strictObject({ app: appName, locked: z.literal(true), lock: lockViewSchema });
export type LockResult = z.output<typeof lockResultSchema>;
export const lockStatusResultSchema = z.strictObject({ app: appName, locked: z.boolean(), lock: lockViewSchema.nullable() });
export type LockStatusResult = z.output<typeof lockStatusResultSchema>;
export const unlockResultSchema = z.strictObject({ app: appName, released: z.boolean(), lock: lockViewSchema.nullable() });
export type UnlockResult = z.output<typeof unlockResultSchema>;

export const logsResultSchema = z.strictObject({
  app: appName,
  /** How many lines were sent as `log` events. */
  lines: z.number().int().min(0),
});
export type LogsResult = z.output<typeof logsResultSchema>;

export const runResultSchema = z.strictObject({
  app: appName,
  /** The job's service name. */
  job: z.string(),
  exitCode: z.number().int(),
});
export type RunResult = z.output<typeof runResultSchema>;

export const execResultSchema = z.strictObject({
  app: appName,
  /** `<app>.<slot>.<task id>@<node>`. */
  task: z.string(),
  /** Null when Docker does not know the command's exit code. */
  exitCode: z.number().int().nullable(),
});
export type ExecResult = z.output<typeof execResultSchema>;

export const APP_RESULTS = {
  'app.deploy': rolloutResultSchema,
  'app.create': createResultSchema,
  'app.list': listResultSchema,
  'app.inspect': inspectResultSchema,
  'app.remove': removeResultSchema,
  'app.domains': domainsResultSchema,
  'app.links': linksResultSchema,
  'app.releases': releasesResultSchema,
  'app.rollback': rollbackResultSchema,
  'app.scale': scaleResultSchema,
  'app.restart': rolloutResultSchema,
  'app.lock': lockResultSchema,
  'app.lock.status': lockStatusResultSchema,
  'app.unlock': unlockResultSchema,
  'app.logs': logsResultSchema,
  'app.run': runResultSchema,
  'app.exec': execResultSchema,
} satisfies Partial<Record<Op, z.ZodType>>;
