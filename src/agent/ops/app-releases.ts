/** app.releases: every recorded release, failed ones too, newest first, and which one is live. */
import { LABEL } from '../../core/service-spec.ts';
import type { ReleaseView } from '../../results/app.ts';
import type { Release } from '../../state/releases.ts';
import { mayManage } from '../acl.ts';
import { defineOp } from '../op.ts';
import { releasesForOthers } from '../owners-only.ts';
import { requireApp } from '../release.ts';

export default defineOp({
  op: 'app.releases',
  access: 'read',
  mutating: false,
  async handle(ctx, args) {
    const [releases, service] = await Promise.all([
      (await ctx.state()).releases.list(args.app, args.limit ? { limit: args.limit } : {}),
      (await ctx.docker()).findService(args.app),
    ]);
    if (releases.length === 0 && !service) await requireApp(ctx, args.app);
    const live = service ? Number(service.labels[LABEL.release] ?? 0) : undefined;
    const result = {
      app: args.app,
      live: live ?? null,
      releases: releases.map((r) => releaseView(r, live)),
    };
    return (await mayManage(ctx, args.app)) ? result : releasesForOthers(result);
  },
});

/** A stored release as app:releases shows it (to owners; see releasesForOthers for the rest). */
export function releaseView(r: Release, live: number | undefined): ReleaseView {
  return {
    n: r.n,
    live: r.n === live,
    image: r.tag ? `${r.image}:${r.tag}` : r.image,
    imageId: r.imageDigest ?? r.imageId ?? null,
    secretsVersion: r.secretsVersion,
    user: r.user,
    time: r.time,
    note: r.note ?? null,
    rollbackOf: r.rollbackOf ?? null,
    status: r.status,
    failure: r.failure ?? null,
  };
}
