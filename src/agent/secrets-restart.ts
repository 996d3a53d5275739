/**
 * After an app's secrets changed (app:secrets, db:create, cache:create …): roll the running
 * app to them, health-gated like a deploy. An app that is not deployed picks them up at its
 * next deploy.
 */
import { splitImageReference } from '../core/names.ts';
import { LABEL } from '../core/service-spec.ts';
import type { SecretsChangeResult } from '../results/people.ts';
import type { SecretsUpdate } from '../state/secrets.ts';
import type { OpContext } from './op.ts';
import { loadApp, rollOut } from './release.ts';

export async function restartWithSecrets(ctx: OpContext, app: string, update: SecretsUpdate, restart: boolean): Promise<SecretsChangeResult> {
  const summary = { app, version: update.versionId ?? null, set: update.set, unset: update.unset, changed: update.changed, missing: update.missing };
  if (!update.written) {
    ctx.progress('unchanged', `secrets of ${app} are unchanged`);
    return { ...summary, restarted: false };
  }
  ctx.progress('stored', `stored secrets version ${update.versionId} of ${app} (${update.changed.length} key(s) changed)`);
  // What was just written is what runs: no second read and decrypt.
  const current = await loadApp(ctx, app, { secrets: { values: update.values, versionId: update.versionId, etag: undefined, meta: undefined } });
  if (!restart || !current.service || !current.settings) {
    if (restart && !current.service) ctx.progress('not-running', `${app} is not deployed; the secrets apply at its next deploy`);
    return { ...summary, restarted: false };
  }
  const imageRef = current.service.labels[LABEL.image] ?? current.service.image;
  const ref = splitImageReference(imageRef);
  const release = await rollOut(ctx, {
    app,
    image: ref.repository,
    imageRef,
    tag: ref.tag,
    settings: current.settings,
    storedSettings: current.settings,
    settingsEtag: current.settingsEtag,
    secrets: current.secrets,
    service: current.service,
    note: `secrets ${update.changed.join(', ')}`,
  });
  return { ...summary, restarted: true, release: release.release };
}
