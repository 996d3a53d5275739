/**
 * app.rollback: run a recorded release again, exactly: the image it ran (by ID or registry
 * digest, never by a tag that may have moved), the secrets version it ran with, and its
 * settings. Recorded as a new release ("rollback of N").
 *
 * The app's current secrets are then restored to that version's values (as a new secrets
 * version), so the next deploy or secrets change starts from what runs instead of silently
 * bringing the newer secrets back. The replica count stays as it is now: scaling is not part
 * of a release, and a rollback during an incident must not shrink the app. So does the
 * placement: which nodes exist and how they are labelled is today's, not the release's.
 */
import { appSettingsSchema } from '../../core/app-settings.ts';
import { shortHash as short } from '../../core/agent-bundle.ts';
import { canonicalJson } from '../../core/envelope.ts';
import { FutuswarmError } from '../../core/errors.ts';
import { LABEL } from '../../core/service-spec.ts';
import type { DockerEngine } from '../../docker/engine.ts';
import type { Release, ReleaseStatus } from '../../state/releases.ts';
import type { SecretsSnapshot } from '../../state/secrets.ts';
import { RegistryClient } from '../../registry/client.ts';
import { clusterRegistry, clusterRepository } from '../registry.ts';
import { defineOp, type OpContext } from '../op.ts';
import { loadApp, rollOut } from '../release.ts';

export default defineOp({
  op: 'app.rollback',
  access: 'app',
  mutating: true,
  async handle(ctx, args) {
    const state = await ctx.state();
    const docker = await ctx.docker();
    const current = await loadApp(ctx, args.app);
    const live = current.service ? Number(current.service.labels[LABEL.release] ?? 0) : undefined;
    const target = args.to ?? previousRelease(args.app, live, await state.releases.list(args.app));
    const release = await state.releases.get(args.app, target);
    if (!release) {
      throw new FutuswarmError('not_found', `${args.app} has no release ${target}`, { hint: `futuswarm app:releases -n ${args.app} lists them` });
    }
    if (release.status === 'failed') {
      throw new FutuswarmError('invalid_input', `release ${target} of ${args.app} failed, so there is nothing to go back to: it never ran healthy (${release.failure ?? 'no reason recorded'})`, {
        hint: `roll back to a release that ran (futuswarm app:releases -n ${args.app}), or deploy its image again with futuswarm app:deploy`,
      });
    }
    const imageRef = await pinnedImage(ctx, docker, args.app, release);
    const secrets: SecretsSnapshot = release.secretsVersion
      ? await state.secrets.read(args.app, { versionId: release.secretsVersion })
      : { values: {}, versionId: undefined, etag: undefined, meta: undefined };
    const recorded = appSettingsSchema.safeParse(release.settings);
    if (!recorded.success) {
      throw new FutuswarmError('protocol', `the settings recorded with release ${target} of ${args.app} are not valid any more`, {
        hint: `deploy the image again instead: futuswarm app:deploy -n ${args.app} -i ${release.image}${release.tag ? ` -t ${release.tag}` : ''}`,
      });
    }
    const { placement: _then, ...then } = recorded.data;
    const placement = current.settings ? current.settings.placement : recorded.data.placement;
    const settings = {
      ...then,
      replicas: current.service?.replicas ?? current.settings?.replicas ?? recorded.data.replicas,
      ...(placement ? { placement } : {}),
    };
    ctx.progress('rollback', `going back to release ${target} of ${args.app}: ${imageRef} (image ${short(release.imageDigest ?? release.imageId ?? '')}), secrets version ${release.secretsVersion ?? '(none)'}`);
    const result = await rollOut(ctx, {
      app: args.app,
      image: release.image,
      imageRef,
      tag: release.tag,
      settings,
      storedSettings: current.settings,
      settingsEtag: current.settingsEtag,
      service: current.service,
      secrets,
      note: `rollback of ${target}`,
      rollbackOf: target,
      ...(args.dryRun ? { dryRun: true } : {}),
      ...(args.timeoutSeconds ? { timeoutSeconds: args.timeoutSeconds } : {}),
    });
    const restores = canonicalJson(current.secrets.values) !== canonicalJson(secrets.values);
    if (args.dryRun) {
      return { ...result, rollbackOf: target, secretsVersion: release.secretsVersion, secretsRestored: null, currentSecretsVersion: current.secrets.versionId ?? null, restoresSecrets: restores };
    }

    // What runs now must also be what the secrets say: restore the release's version as current.
    let restored: string | null = null;
    if (restores) {
      const note = `rollback of ${args.app} to release ${target}`;
      const update = release.secretsVersion
        ? await state.secrets.restore(args.app, ctx.user, release.secretsVersion, { note })
        : await state.secrets.update(args.app, ctx.user, (values) => ({ unset: Object.keys(values) }), { note, retries: 0 });
      restored = update.versionId ?? null;
      ctx.progress('secrets', `restored the secrets of release ${target} as the current version${restored ? ` (${restored})` : ''}`);
    }
    return { ...result, rollbackOf: target, secretsVersion: release.secretsVersion, secretsRestored: restored };
  },
});

/** The release before the live one that did not fail: what `app:rollback` without --to goes back to. */
export function previousRelease(app: string, live: number | undefined, releases: readonly { n: number; status?: ReleaseStatus }[]): number {
  if (!live) {
    throw new FutuswarmError('invalid_input', `${app} is not running, so there is no release to go back from`, {
      hint: `name the release to run: futuswarm app:rollback -n ${app} --to N (futuswarm app:releases -n ${app} lists them)`,
    });
  }
  const previous = releases.filter((r) => r.n < live && r.status !== 'failed').sort((a, b) => b.n - a.n)[0];
  if (!previous) {
    throw new FutuswarmError('not_found', `${app} has no release before ${live} to roll back to`, { hint: `futuswarm app:releases -n ${app}` });
  }
  return previous.n;
}

/**
 * The exact image a release ran, as Swarm should be given it. A registry digest pins it on
 * every node; a local image ID (an image that was never pushed) is used through its tag only
 * while that tag still names the very same image.
 */
async function pinnedImage(ctx: OpContext, docker: DockerEngine, app: string, release: Release): Promise<string> {
  const named = release.tag ? `${release.image}:${release.tag}` : release.image;
  const recorded = release.imageDigest ?? release.imageId;
  if (!recorded) {
    throw new FutuswarmError('not_found', `release ${release.n} of ${app} did not record which image it ran`, {
      hint: `deploy the image by tag instead: futuswarm app:deploy -n ${app} -i ${named}`,
    });
  }
  const byDigest = `${release.image}@${recorded}`;
  // The cluster registry keeps what releases ran (app:images --prune spares them).
  const repository = clusterRepository(ctx.config, release.image);
  if (repository !== undefined && release.imageDigest) {
    const credentials = await (await ctx.state()).registryCredentials.read();
    if (await new RegistryClient(`http://${clusterRegistry(ctx.config)}`, credentials).hasManifest(repository, release.imageDigest)) return byDigest;
  }
  if (await docker.inspectImage(byDigest)) return byDigest;
  const local = await docker.inspectImage(recorded);
  if (local) {
    const digest = local.repoDigests.find((d) => d.startsWith(`${release.image}@`));
    if (digest) return digest;
    if (release.tag && (await docker.inspectImage(named))?.id === local.id) return named;
    // Another tag of the same repository that names this very image will do as well.
    const tagged = local.repoTags.find((t) => t.startsWith(`${release.image}:`));
    if (tagged) return tagged;
    throw new FutuswarmError('not_found', `the image of release ${release.n} of ${app} (${named}, ${short(recorded)}) is still on the manager, but no tag of ${release.image} names it any more and it has no registry digest`, {
      hint: `push the old image under a new tag and deploy that, or roll back to another release (futuswarm app:releases -n ${app})`,
    });
  }
  // Not on the manager: a registry may still have it, and Swarm pulls by digest.
  if (await docker.registryHas(byDigest)) return byDigest;
  throw new FutuswarmError('not_found', `the image of release ${release.n} of ${app} (${named}, ${short(recorded)}) is gone: neither the manager nor a registry has it`, {
    hint: `roll back to another release (futuswarm app:releases -n ${app}), or deploy a rebuilt image with futuswarm app:deploy`,
  });
}

