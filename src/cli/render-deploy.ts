/** How the result of anything that rolls an app out is shown. */
import type { RolloutResult } from '../results/app.ts';
import { renderTable } from './table.ts';

/** What the agent answers for anything that rolls an app out (deploy, rollback, scale, restart). */
export function renderDeployResult(r: RolloutResult): string {
  if (r.dryRun) {
    if (!r.changed || !r.changes?.length) return `${r.app}: no changes (dry run)`;
    const what = r.create ? `would be created as release ${r.release}` : `would roll to release ${r.release}`;
    return `${r.app}: ${what} (dry run, nothing changed)\n${renderTable(['FIELD', 'NOW', 'AFTER'], r.changes.map((c) => [c.field, c.from, c.to]))}`;
  }
  return r.changed
    ? `${r.app} release ${r.release} (${r.image}) is live at ${r.url}`
    : `${r.app} is unchanged: release ${r.release} (${r.image}) at ${r.url}`;
}

/** What Ctrl-C during a rollout means: Swarm and the agent carry on without the CLI. */
export function rolloutInterrupt(app: string): { message: string; hint: string } {
  return {
    message: `interrupted: the rollout of ${app} goes on without this terminal; Swarm finishes it or rolls it back on its own, and the agent records the outcome and releases the lock`,
    hint: `see where it stands: futuswarm app:inspect -n ${app} (and futuswarm app:releases -n ${app})`,
  };
}
