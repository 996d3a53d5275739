import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { clip, OWNERS_ONLY, renderTable } from '../table.ts';
import { relativeTime } from '../../core/relative-time.ts';
import type { InspectResult } from '../../results/app.ts';

/** Task states of a task that runs or is on its way to (Swarm's names). */
const LIVE_STATES = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running']);
/** A task that failed this recently still explains what is going on. */
const RECENT_FAILURE_MS = 5 * 60 * 1000;

/**
 * The tasks app:inspect shows without --all: those Swarm wants running and that run or are on
 * their way to, and those that failed in the last few minutes. A task an update is stopping
 * (desired state shutdown, still running out its grace period) has ended as far as the app goes.
 */
export function liveTasks<T extends Pick<InspectResult['tasks'][number], 'state' | 'desiredState' | 'since'>>(tasks: readonly T[], now: number): T[] {
  return tasks.filter(
    (t) => (LIVE_STATES.has(t.state) && t.desiredState !== 'shutdown') || (['failed', 'rejected'].includes(t.state) && now - Date.parse(t.since) < RECENT_FAILURE_MS),
  );
}

/** The health check as set: the HTTP path and the command (the command for owners only). */
export function renderHealth(r: Pick<InspectResult, 'settings' | 'ownersOnly'>): string {
  const health = r.settings?.health;
  const parts = [
    ...(health?.path !== undefined ? [`GET ${health.path}`] : []),
    ...(health?.cmd !== undefined ? [`command: ${health.cmd}`] : []),
    ...(r.ownersOnly?.includes('health.cmd') ? [`command: ${OWNERS_ONLY}`] : []),
  ];
  return parts.join(', ') || '(none)';
}

/** Secrets stored but not yet running, for the `pending` line; undefined when there are none. */
export function renderPendingSecrets(r: Pick<InspectResult, 'pendingSecrets' | 'ownersOnly'>): string | undefined {
  const p = r.pendingSecrets;
  if (!p) return undefined;
  const keys = r.ownersOnly?.includes('pendingSecrets.keys')
    ? `keys: ${OWNERS_ONLY}`
    : [...(p.set?.length ? [`${p.set.join(', ')} set`] : []), ...(p.unset?.length ? [`${p.unset.join(', ')} unset`] : [])].join('; ');
  const versions = `secrets version ${p.version ?? '(none)'} (running: ${p.running ?? '(none)'})`;
  return `${versions} is stored but not running: ${keys}; the next app:deploy applies it`;
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--all', 'list every task the agent knows of (the last 20), not only the live ones and recent failures')
    .addHelpText('after', examples('futuswarm app:inspect -n shop', 'futuswarm app:inspect -n shop --all', 'futuswarm app:inspect -n shop --json'))
    .action(
      action(async (ctx, opts) => {
        const all = await ctx.agent('app.inspect', { app: opts.name }, { app: '--name' });
        const now = Date.now();
        const r = opts.all ? all : { ...all, tasks: liveTasks(all.tasks, now) };
        ctx.io.result(r, () => {
          const field = (name: string, value: string) => `${`${name}:`.padEnd(13)}${value}`;
          const lines = [
            field('app', r.app),
            field('release', String(r.release)),
            field('image', r.image),
            field('replicas', `${r.replicas.running}/${r.replicas.desired} running`),
            field('url', r.url),
            field('domains', r.domains.join(', ')),
            field('constraints', r.placement.constraints.join(', ') || '(none)'),
            field('spread', r.placement.spread.join(', ') || '(none)'),
            field('managers', r.placement.workersOnly ? 'avoided: tasks run on workers only' : 'allowed'),
            field('health', renderHealth(r)),
          ];
          if (r.update) lines.push(field('update', `${r.update.state}${r.update.message ? ` (${r.update.message})` : ''}`));
          const pending = renderPendingSecrets(r);
          if (pending) lines.push(field('pending', pending));
          const hidden = all.tasks.length - r.tasks.length;
          lines.push('', `tasks:${hidden > 0 ? ` (${hidden} ended; --all lists them)` : ''}`);
          lines.push(renderTable(['ID', 'NODE', 'RELEASE', 'STATE', 'DESIRED', 'SINCE', 'ERROR'], r.tasks.map((t) => [t.id.slice(0, 12), t.node ?? '-', t.release ?? '', t.state, t.desiredState, relativeTime(t.since, now), clip(t.error ?? '', 40)])));
          if (r.routes) {
            lines.push('', 'routes:');
            if (r.routes.proxy !== 'ok') lines.push(`  unknown: ${r.routes.reason ?? r.routes.proxy}`);
            else if (r.routes.routes.length === 0) lines.push('  (none: the proxy does not route to this app)');
            else {
              lines.push(renderTable(['', 'ROUTER', 'RULE', 'STATUS'], r.routes.routes.map((x) => ['', x.name, x.rule, x.errors.length ? `${x.status}: ${x.errors.join('; ')}` : x.status])));
              lines.push(renderTable(['', 'SERVER', 'HEALTH', 'TASK'], r.routes.servers.map((x) => ['', x.url, x.status, x.task ?? ''])));
            }
          }
          lines.push('', 'labels:');
          for (const [k, v] of Object.entries(r.labels).sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${k}=${v}`);
          if (r.ownersOnly?.includes('labels')) lines.push(`  (the others: ${OWNERS_ONLY})`);
          return lines.join('\n');
        });
      }),
    );
};
