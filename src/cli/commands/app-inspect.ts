import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { OWNERS_ONLY, renderTable } from '../table.ts';
import type { InspectResult } from '../../results/app.ts';

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
    .addHelpText('after', examples('futuswarm app:inspect -n shop', 'futuswarm app:inspect -n shop --json'))
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.inspect', { app: opts.name }, { app: '--name' });
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
          lines.push('', 'tasks:');
          lines.push(renderTable(['ID', 'NODE', 'RELEASE', 'STATE', 'DESIRED', 'SINCE', 'ERROR'], r.tasks.map((t) => [t.id, t.node ?? '-', t.release ?? '', t.state, t.desiredState, t.since, t.error ?? ''])));
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
