/**
 * Rolling an app to a desired state: the one path that deploy, rollback, restart, scale and
 * secret changes share. Builds the spec, applies it, follows Swarm to the end, and records the
 * release and settings in the state store only when the new state runs.
 */
import { ensureAppNetworks } from './app-networks.ts';
import { appSettingsSchema, type AppSettings } from '../core/app-settings.ts';
import { appNotFound, FutuswarmError } from '../core/errors.ts';
import { appsAvoidManagers, placementProblem } from '../core/placement.ts';
import { diffSpecs } from '../core/spec-diff.ts';
import { appUrl, buildServiceSpec, canonicalJson, describeHealthcheck, LABEL } from '../core/service-spec.ts';
import type { RolloutResult } from '../results/app.ts';
import type { StartedRelease } from '../state/releases.ts';
import type { SecretsSnapshot } from '../state/secrets.ts';
import { clusterInfo } from '../config/agent-config.ts';
import type { OpContext } from './op.ts';
import { appStored } from './acl.ts';
import type { NodeInfo, ServiceInfo } from '../docker/engine.ts';
import { followRollout } from './rollout.ts';
import { checkOwnRepository, pullAuthFor } from './registry.ts';

export interface DesiredState {
  app: string;
  /** Repository, e.g. acme/shop. */
  image: string;
  /** What Swarm runs: repo:tag, or repo@sha256:… for a pinned rollback. */
  imageRef: string;
  tag?: string | undefined;
  settings: AppSettings;
  /** The settings as stored before this change, and their ETag (undefined: none yet). */
  storedSettings: AppSettings | undefined;
  settingsEtag: string | undefined;
  secrets: SecretsSnapshot;
  /** The app's service as loadApp found it, under the app's lock (undefined: none yet). */
  service: ServiceInfo | undefined;
  /** The swarm's nodes, when the caller asked Docker for them already (while it read the app). */
  nodes?: Promise<NodeInfo[]>;
  /** Start new tasks even when nothing changed (app:restart). */
  restart?: boolean;
  note?: string;
  rollbackOf?: number;
  dryRun?: boolean;
  timeoutSeconds?: number;
}

export function checkManaged(app: string, labels: Record<string, string> | undefined): void {
  if (labels && labels[LABEL.app] !== app) {
    throw new FutuswarmError('conflict', `a service named ${app} exists on the swarm but futuswarm does not manage it`, {
      hint: 'choose another app name, or ask an admin to remove that service',
    });
  }
}

export async function rollOut(ctx: OpContext, d: DesiredState): Promise<RolloutResult> {
  return (await roll(ctx, d, false))!;
}

/**
 * Whether `d` would change nothing at all (the same spec, the settings stored as they are):
 * then the "unchanged" answer, else undefined. Writes nothing either way: the fast path of a
 * repeated deploy, before the app's lock.
 */
export function unchangedRollout(ctx: OpContext, d: DesiredState): Promise<RolloutResult | undefined> {
  return roll(ctx, d, true);
}

async function roll(ctx: OpContext, d: DesiredState, probe: boolean): Promise<RolloutResult | undefined> {
  const docker = await ctx.docker();
  const state = await ctx.state();
  // Decided anew at every change: a worker that joined since keeps later releases off the managers.
  const nodes = await (d.nodes ?? docker.listNodes());
  const onManagers = ctx.config.deploy.appsOnManagers;
  const cluster = { ...clusterInfo(ctx.config), workersOnly: appsAvoidManagers(onManagers, nodes) };
  const existing = d.service;
  checkManaged(d.app, existing?.labels);
  checkOwnRepository(ctx.config, d.app, d.imageRef);
  const settings = appSettingsSchema.parse(d.settings);
  const timing = { monitorSeconds: ctx.config.deploy.monitorSeconds, stopGraceSeconds: ctx.config.deploy.stopGraceSeconds, defaultLimits: ctx.config.deploy.defaultLimits };
  const env = d.secrets.values;
  const currentRelease = Number(existing?.labels[LABEL.release] ?? 0);
  const url = appUrl(d.app, cluster);

  const build = (n: number) => {
    const spec = buildServiceSpec(d.app, settings, { number: n, image: d.imageRef, env }, cluster, timing);
    if (existing && d.restart) spec.TaskTemplate.ForceUpdate = existing.forceUpdate + 1;
    else if (existing) spec.TaskTemplate.ForceUpdate = existing.forceUpdate;
    return spec;
  };
  let spec = build(currentRelease);
  const templateChanged = !existing || d.restart === true || existing.labels[LABEL.templateHash] !== spec.Labels[LABEL.templateHash];
  const unchanged = existing && !templateChanged && existing.labels[LABEL.specHash] === spec.Labels[LABEL.specHash] && existing.updateState !== 'paused';
  if (probe) {
    // Nothing to write either: the same spec, and settings stored as they are.
    // Not while Swarm still rolls (another deploy's update): that answer is the locked path's.
    const settled = existing?.updateState === undefined || existing.updateState === 'completed' || existing.updateState === 'rollback_completed';
    const same = unchanged && settled && !d.dryRun && d.storedSettings !== undefined && canonicalJson(d.storedSettings) === canonicalJson(settings);
    if (!same) return undefined;
    ctx.progress('unchanged', `${d.app} already runs ${d.imageRef} (release ${currentRelease}); no changes`);
    return { app: d.app, changed: false, release: currentRelease, image: d.imageRef, replicas: settings.replicas, url };
  }
  // Swarm would leave tasks that fit no node pending without a word: refuse before anything changes.
  const unplaceable = !unchanged && settings.replicas > 0 ? placementProblem(d.app, settings.placement, onManagers, nodes) : undefined;
  if (unplaceable) throw unplaceable;
  // A new template gets the next free number: releases.start takes it below (one listing of the
  // app's releases); a dry run only says which one it would be.
  let release = !templateChanged ? currentRelease : d.dryRun ? Math.max(await state.releases.next(d.app), currentRelease + 1) : currentRelease + 1;
  if (release !== currentRelease) spec = build(release);

  if (d.dryRun) {
    const changes = diffSpecs(existing?.spec, spec);
    ctx.progress('dry-run', unchanged ? `${d.app}: no changes` : `${d.app}: ${changes.length} change(s) would be applied; nothing was changed`);
    return { app: d.app, changed: !unchanged, release, image: d.imageRef, replicas: settings.replicas, url, dryRun: true, create: !existing, changes };
  }
  if (unchanged) {
    ctx.progress('unchanged', `${d.app} already runs ${d.imageRef} (release ${currentRelease}); nothing to do`);
    await saveSettings(ctx, d, settings);
    return { app: d.app, changed: false, release: currentRelease, image: d.imageRef, replicas: settings.replicas, url };
  }

  const [imageId, auth] = await Promise.all([
    docker.imageId(d.imageRef),
    pullAuthFor(ctx, d.imageRef),
    templateChanged && !settings.health ? warnWithoutHealthCheck(ctx, d.app, d.imageRef, settings.port) : undefined,
  ]);
  // The number is taken before Swarm hears of it: whatever becomes of this release, no later one gets it.
  const started = templateChanged
    ? await state.releases.start(
        d.app,
        {
          image: d.image,
          ...(d.tag !== undefined ? { tag: d.tag } : {}),
          ...(imageId ? { imageId } : {}),
          ...(d.imageRef.includes('@') ? { imageDigest: d.imageRef.split('@')[1] } : {}),
          secretsVersion: d.secrets.versionId ?? null,
          settingsHash: spec.Labels[LABEL.specHash] ?? '',
          settings: settings as unknown as Record<string, unknown>,
          user: ctx.user,
          time: new Date().toISOString(),
          ...(d.note ? { note: d.note } : {}),
          ...(d.rollbackOf ? { rollbackOf: d.rollbackOf } : {}),
        },
        release,
        // It is, unless a release failed since the live one or the app was removed and comes back.
        { floorIsNext: release === currentRelease + 1 },
      )
    : undefined;
  if (started && started.release.n !== release) spec = build((release = started.release.n));
  const startedAt = Date.now();
  let serviceId: string;
  const rolling = existing !== undefined && templateChanged;
  try {
    await ensureAppNetworks(ctx, docker, d.app, settings, settings.internal ? undefined : cluster.network);
    if (existing) {
      ctx.progress('update', rolling
        ? `rolling ${d.app} from release ${currentRelease} to ${release} (${d.imageRef}), one task at a time`
        : `updating ${d.app}: ${settings.replicas} replica(s)`);
      await docker.updateService(existing.id, existing.version, spec, auth);
      serviceId = existing.id;
    } else {
      ctx.progress('create', `creating ${d.app} release ${release} (${d.imageRef}) with ${settings.replicas} replica(s)`);
      serviceId = await docker.createService(spec, auth);
    }
  } catch (e) {
    // Swarm was not given the release, so it never ran.
    if (started) await recordFailure(ctx, d, started, (e as Error).message);
    throw e;
  }

  // Should following it fail, the release stays `started`: Swarm goes on without us.
  const outcome = await followRollout(ctx, docker, {
    serviceId,
    release: String(release),
    desiredReplicas: settings.replicas,
    rolling,
    startedAt,
    timeoutSeconds: d.timeoutSeconds ?? ctx.config.deploy.timeoutSeconds,
    healthCheck: describeHealthcheck(settings.health, settings.port),
  });
  if (outcome.status === 'failed') {
    // A first release that never ran leaves nothing behind: there was nothing to roll back to.
    if (!existing) await docker.removeService(serviceId);
    const what = existing
      ? outcome.rolledBack
        ? `Swarm rolled ${d.app} back to release ${currentRelease}, which keeps serving`
        : `the update of ${d.app} is stopped`
      : `removed the new service ${d.app}`;
    if (started) await recordFailure(ctx, d, started, outcome.reason);
    throw new FutuswarmError('deploy_failed', `release ${release} of ${d.app} (${d.imageRef}) did not become healthy: ${outcome.reason}; ${what}`, {
      hint: failureHint(d.app, settings, outcome.healthCheckFailed),
      details: { tasks: outcome.taskErrors },
    });
  }

  if (started) await state.releases.finish(d.app, started, { status: 'deployed' });
  await saveSettings(ctx, d, settings);
  ctx.progress('done', `${d.app} release ${release} is running: ${outcome.running}/${settings.replicas} task(s)`);
  return { app: d.app, changed: true, release, image: d.imageRef, replicas: settings.replicas, url };
}

/**
 * A failed release keeps its number, marked failed with why; only the first release of a name
 * that never became an app leaves nothing (the name is given back, see src/agent/acl.ts).
 * Recording it must not hide the failure itself.
 */
async function recordFailure(ctx: OpContext, d: DesiredState, started: StartedRelease, failure: string): Promise<void> {
  try {
    const state = await ctx.state();
    if (!d.service && !(await appStored(ctx, d.app))) await state.releases.forget(d.app, started);
    else await state.releases.finish(d.app, started, { status: 'failed', failure: failure.slice(0, 2000) });
  } catch (e) {
    ctx.progress('warning', `warning: release ${started.release.n} of ${d.app} stays recorded as started: ${(e as Error).message}`);
  }
}

async function saveSettings(ctx: OpContext, d: DesiredState, settings: AppSettings): Promise<void> {
  if (d.storedSettings && canonicalJson(d.storedSettings) === canonicalJson(settings)) return;
  const state = await ctx.state();
  await state.settings.put(d.app, settings as unknown as Record<string, unknown>, d.settingsEtag);
}

/** The next step after a failed release: for a failed HTTP health check, what the app must do. */
function failureHint(app: string, settings: AppSettings, healthCheckFailed: boolean): string {
  if (settings.health?.path && healthCheckFailed) {
    return `the app must answer 2xx or 3xx to GET ${settings.health.path} on port ${settings.port} inside its task, listening on all interfaces (0.0.0.0); ` +
      `see its log lines above (futuswarm app:logs -n ${app}), or deploy with the right --health-path or --port`;
  }
  return 'see the task errors and log lines above; fix the image and deploy again';
}

/**
 * What an op needs to know about an app before changing it. `known.secrets`: the secrets the
 * caller has just written, so they are not read (and decrypted) again.
 */
export async function loadApp(ctx: OpContext, app: string, known: { secrets?: SecretsSnapshot } = {}) {
  const [parts, secrets] = await Promise.all([loadAppWithoutSecrets(ctx, app), known.secrets ?? (await ctx.state()).secrets.read(app)]);
  return { ...parts, secrets };
}

/** The same without the secrets, for ops that run what the service runs (scale, restart). */
export async function loadAppWithoutSecrets(ctx: OpContext, app: string) {
  const state = await ctx.state();
  const [stored, service] = await Promise.all([
    state.settings.get(app, appSettingsSchema as never) as Promise<{ settings: AppSettings; etag: string } | undefined>,
    ctx.docker().then((docker) => docker.findService(app)),
  ]);
  // The record matters only until the first deploy stores settings: one read fewer after that.
  const record = stored ? undefined : await state.apps.get(app);
  checkManaged(app, service?.labels);
  return { settings: stored?.settings, settingsEtag: stored?.etag, service, record };
}

/** Secrets, databases and caches belong to an app that exists: created, or deployed at least once. */
export async function requireApp(ctx: OpContext, app: string): Promise<void> {
  if (await appStored(ctx, app)) return;
  throw appNotFound(app, `create it first (futuswarm app:create -n ${app}), or check the name with futuswarm app:list`);
}

/**
 * Without a health check Swarm counts a task as ready the moment its process starts, and stops
 * the old task then: an app that needs a while before it listens answers 502 through the
 * proxy in between. Say so, unless the image brings its own HEALTHCHECK (unknown when the
 * image is not on this manager: then say nothing rather than guess).
 */
async function warnWithoutHealthCheck(ctx: OpContext, app: string, imageRef: string, port: number): Promise<void> {
  const image = await (await ctx.docker()).inspectImage(imageRef).catch(() => undefined);
  if (!image || image.healthcheck) return;
  ctx.progress(
    'health',
    `warning: ${app} has no health check, so a new task counts as ready as soon as it starts; if it needs time before it listens on port ${port}, requests fail meanwhile. add --health-path /healthz (a path that answers 200) or --health-cmd`,
  );
}
