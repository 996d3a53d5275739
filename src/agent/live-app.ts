/**
 * What an app runs right now, read from its service: the starting point of ops that change
 * one thing and keep the rest exactly as it runs (app:scale, app:restart, app:run, app:exec).
 */
import { appSettingsSchema, type AppSettings } from '../core/app-settings.ts';
import { appNotFound, FutuswarmError } from '../core/errors.ts';
import { splitImageReference } from '../core/names.ts';
import { LABEL } from '../core/service-spec.ts';
import { secretsDifference } from '../core/secrets.ts';
import type { ServiceInfo } from '../docker/engine.ts';
import type { PendingSecrets } from '../results/app.ts';
import type { SecretsSnapshot } from '../state/secrets.ts';
import type { OpContext } from './op.ts';
import { loadAppWithoutSecrets, type DesiredState } from './release.ts';
import { readSettingsLabel } from './settings.ts';

export interface LiveApp {
  service: ServiceInfo;
  /** The live release number (0 when the service carries none). */
  release: number;
  /** Everything rollOut needs to roll the app to exactly what it runs now. */
  desired: DesiredState;
}

/** The environment a service's tasks get, as a KEY → value map. */
export function envOfSpec(spec: Record<string, unknown>): Record<string, string> {
  const env = (spec.TaskTemplate as { ContainerSpec?: { Env?: string[] } } | undefined)?.ContainerSpec?.Env ?? [];
  const out: Record<string, string> = {};
  for (const entry of env) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

export async function loadLiveApp(ctx: OpContext, app: string): Promise<LiveApp> {
  // The secrets it runs with come from the service itself (below), not from the store.
  const current = await loadAppWithoutSecrets(ctx, app);
  const service = current.service;
  if (!service) throw appNotFound(app);
  const release = Number(service.labels[LABEL.release] ?? 0);
  const imageRef = service.labels[LABEL.image] ?? service.image;
  const ref = splitImageReference(imageRef);
  const labelled = readSettingsLabel(service.labels);
  const settings: AppSettings | undefined = labelled ?? current.settings;
  if (!settings) {
    throw new FutuswarmError('conflict', `${app} runs without recorded settings`, {
      hint: `deploy it once with futuswarm app:deploy -n ${app} -i ${ref.repository} -t ${ref.tag ?? 'TAG'} --port PORT`,
    });
  }
  const record = release > 0 ? await (await ctx.state()).releases.get(app, release).catch(() => undefined) : undefined;
  // The environment as it runs, not as the secrets are now: changing one thing changes only that.
  const secrets: SecretsSnapshot = { values: envOfSpec(service.spec), versionId: record?.secretsVersion ?? undefined, etag: undefined, meta: undefined };
  return {
    service,
    release,
    desired: {
      app,
      image: ref.repository,
      imageRef,
      tag: ref.tag,
      settings: appSettingsSchema.parse(settings),
      storedSettings: current.settings,
      settingsEtag: current.settingsEtag,
      secrets,
      service,
    },
  };
}

/**
 * Secrets stored since the running tasks got theirs (`app:secrets set --no-restart`): the next
 * deploy applies them. Null when the tasks run what is stored. Which keys: for owners only
 * (src/agent/owners-only.ts). `read`: the stored secrets, when the caller has asked for them already.
 */
export async function pendingSecrets(ctx: OpContext, app: string, service: ServiceInfo, read?: Promise<SecretsSnapshot>): Promise<PendingSecrets | null> {
  const state = await ctx.state();
  const stored = await (read ?? state.secrets.read(app));
  const { set, unset } = secretsDifference(envOfSpec(service.spec), stored.values);
  if (set.length === 0 && unset.length === 0) return null;
  const release = Number(service.labels[LABEL.release] ?? 0);
  const record = release > 0 ? await state.releases.get(app, release).catch(() => undefined) : undefined;
  return { version: stored.versionId ?? null, running: record?.secretsVersion ?? null, set, unset };
}
