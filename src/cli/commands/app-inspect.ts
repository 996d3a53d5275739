import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { clip, fitLine, OWNERS_ONLY, renderFields, renderTable } from '../table.ts';
import { LABEL } from '../../core/service-labels.ts';
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

/** The health check as set, one field each: the HTTP path, the command (for owners only) and its timing. */
export function healthFields(r: Pick<InspectResult, 'settings' | 'ownersOnly'>): [string, string][] {
  const health = r.settings?.health;
  if (!health) return [['health', '(none)']];
  const cmd = r.ownersOnly?.includes('health.cmd') ? OWNERS_ONLY : health.cmd;
  return [
    ['health path', health.path !== undefined ? `GET ${health.path}` : '(none)'],
    ['health command', cmd ?? '(none)'],
    ['health timing', `every ${health.intervalSeconds}s, timeout ${health.timeoutSeconds}s, ${health.retries} retries, start period ${health.startPeriodSeconds}s`],
  ];
}

/** Secrets stored but not yet running, the lines of the `pending` field; undefined when there are none. */
export function renderPendingSecrets(r: Pick<InspectResult, 'pendingSecrets' | 'ownersOnly'>): string[] | undefined {
  const p = r.pendingSecrets;
  if (!p) return undefined;
  const keys = r.ownersOnly?.includes('pendingSecrets.keys')
    ? `keys: ${OWNERS_ONLY}`
    : [...(p.set?.length ? [`${p.set.join(', ')} set`] : []), ...(p.unset?.length ? [`${p.unset.join(', ')} unset`] : [])].join('; ');
  return [
    'secrets are stored that the tasks do not run; the next app:deploy applies them',
    keys || '(no keys changed)',
    `stored version:  ${p.version ?? '(none)'}`,
    `running version: ${p.running ?? '(none)'}`,
  ];
}

/** What each task may use: the app's own limits, and those it takes from the cluster's default. */
export function describeLimits(own: { cpus?: number | undefined; memoryMb?: number | undefined } | undefined, running: InspectResult['limits']): string {
  const cpus = running?.cpus ?? own?.cpus;
  const memoryMb = running?.memoryMb ?? own?.memoryMb;
  const fromCluster = (mine: number | undefined) => (mine === undefined ? ' (cluster default)' : '');
  const parts = [
    ...(cpus !== undefined ? [`${cpus} CPUs${fromCluster(own?.cpus)}`] : []),
    ...(memoryMb !== undefined ? [`${memoryMb} MB memory${fromCluster(own?.memoryMb)}`] : []),
  ];
  return parts.join(', ') || '(none)';
}

/** The app's settings, one field each: what app:deploy set (health command for owners only). */
export function settingsFields(r: Pick<InspectResult, 'settings' | 'ownersOnly' | 'placement' | 'limits' | 'linkedFrom'>): [string, string][] {
  const s = r.settings;
  const fields: [string, string][] = s
    ? [
        ['port', String(s.port)],
        ['internal', s.internal ? 'yes: no route through the proxy, reachable inside the cluster only' : 'no'],
        ['limits', describeLimits(s.limits, r.limits)],
        ['links', s.links?.length ? `reaches ${s.links.join(', ')} by name` : '(none)'],
        ['linked from', r.linkedFrom.join(', ') || '(none)'],
        ...healthFields(r),
      ]
    : [['settings', '(unknown: the agent could read neither the stored settings nor the service\'s)']];
  return [
    ...fields,
    ['constraints', r.placement.constraints.join(', ') || '(none)'],
    ['spread', r.placement.spread.join(', ') || '(none)'],
    ['managers', r.placement.workersOnly ? 'avoided: tasks run on workers only' : 'allowed'],
  ];
}

/**
 * app:inspect as people read it: the app and its settings as fields, its tasks, what the proxy
 * routes, and its service labels besides the settings (those are the fields above).
 */
export function renderInspect(r: InspectResult, hiddenTasks: number, now: number): string {
  const fields: [string, string | string[]][] = [
    ['app', r.app],
    ['release', String(r.release)],
    ['image', r.image],
    ['replicas', `${r.replicas.running}/${r.replicas.desired} running`],
    ['url', r.url],
    ['domains', r.domains],
    ...settingsFields(r),
    ['created', relativeTime(r.createdAt, now)],
    ['updated', relativeTime(r.updatedAt, now)],
  ];
  if (r.update) fields.push(['update', `${r.update.state}${r.update.message ? ` (${r.update.message})` : ''}`]);
  const pending = renderPendingSecrets(r);
  if (pending) fields.push(['pending', pending]);
  const lines = [renderFields(fields)];
  lines.push('', `tasks:${hiddenTasks > 0 ? ` (${hiddenTasks} ended; --all lists them)` : ''}`);
  lines.push(renderTable(['ID', 'NODE', 'RELEASE', 'STATE', 'DESIRED', 'SINCE', 'ERROR'], r.tasks.map((t) => [t.id.slice(0, 12), t.node ?? '-', t.release ?? '', t.state, t.desiredState, relativeTime(t.since, now), clip(t.error ?? '', 40)])));
  if (r.routes) {
    lines.push('', 'routes:');
    if (r.routes.proxy !== 'ok') lines.push(fitLine(`  unknown: ${r.routes.reason ?? r.routes.proxy}`));
    else if (r.routes.routes.length === 0) lines.push('  (none: the proxy does not route to this app)');
    else {
      lines.push(renderTable(['', 'ROUTER', 'RULE', 'STATUS'], r.routes.routes.map((x) => ['', x.name, x.rule, x.errors.length ? `${x.status}: ${x.errors.join('; ')}` : x.status])));
      lines.push(renderTable(['', 'SERVER', 'HEALTH', 'TASK'], r.routes.servers.map((x) => ['', x.url, x.status, x.task ?? ''])));
    }
  }
  lines.push('', 'labels:');
  for (const [k, v] of Object.entries(r.labels).sort(([a], [b]) => a.localeCompare(b))) if (k !== LABEL.settings) lines.push(fitLine(`  ${k}=${v}`));
  if (r.ownersOnly?.includes('labels')) lines.push(`  (the others: ${OWNERS_ONLY})`);
  return lines.join('\n');
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
        ctx.io.result(r, () => renderInspect(r, all.tasks.length - r.tasks.length, now));
      }),
    );
};
