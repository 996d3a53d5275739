/**
 * Anyone the cluster knows may look at an app (app:inspect, app:releases), but some of what
 * those show is for its owners and admins only (src/results/app.ts OWNERS_ONLY). These build
 * the view of everyone else, as data; the ops decide who gets which.
 */
import { LABEL } from '../core/service-spec.ts';
import type { InspectResult, ReleasesResult } from '../results/app.ts';

/** Service labels anyone may see: nothing in them is derived from secrets or settings. */
const PUBLIC_LABELS: readonly string[] = [LABEL.app, LABEL.release, LABEL.image];

export function inspectForOthers(result: InspectResult): InspectResult {
  const health = result.settings?.health;
  const labels = Object.fromEntries(Object.entries(result.labels).filter(([key]) => PUBLIC_LABELS.includes(key)));
  const pending = result.pendingSecrets;
  const ownersOnly = [
    ...(health?.cmd !== undefined ? (['health.cmd'] as const) : []),
    ...(Object.keys(labels).length < Object.keys(result.labels).length ? (['labels'] as const) : []),
    ...(pending ? (['pendingSecrets.keys'] as const) : []),
  ];
  if (ownersOnly.length === 0) return result;
  const settings = result.settings && health ? { ...result.settings, health: withoutCmd(health) } : result.settings;
  // That secrets wait for a deploy is for everyone; which ones, for the owners.
  const pendingSecrets = pending ? { version: pending.version, running: pending.running } : pending;
  return { ...result, ...(settings ? { settings } : {}), labels, ...(pendingSecrets !== undefined ? { pendingSecrets } : {}), ownersOnly };
}

function withoutCmd<T extends { cmd?: string }>(health: T): Omit<T, 'cmd'> {
  const { cmd: _cmd, ...rest } = health;
  return rest;
}

/** Notes and failures are left out where there are any; "none" (null) stays. */
export function releasesForOthers(result: ReleasesResult): ReleasesResult {
  const fields = (['note', 'failure'] as const).filter((field) => result.releases.some((r) => r[field] !== null && r[field] !== undefined));
  if (fields.length === 0) return result;
  return {
    ...result,
    releases: result.releases.map((release) => {
      const seen = { ...release };
      for (const field of fields) if (seen[field] !== null) delete seen[field];
      return seen;
    }),
    ownersOnly: fields,
  };
}
