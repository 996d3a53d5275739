import type { CommandModule } from '../command.ts';
import type { CacheCreateResult } from '../../results/admin.ts';

export function renderCacheCreate(r: CacheCreateResult): string {
  const restart = r.restarted ? `; ${r.app} now runs release ${r.release} with it` : '';
  return [
    `${r.app}: Redis ${r.cache} at ${r.host}:${r.port} (${r.tls ? 'TLS' : 'no TLS'}, AUTH token checked)`,
    `${r.secret} is in ${r.app}'s secrets${r.secretsVersion ? ` (version ${r.secretsVersion})` : ''}${restart}`,
  ].join('\n');
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name')
    .option('--node-type <type>', 'ElastiCache node type, e.g. cache.t4g.micro (default: the cluster\'s)')
    .option('--no-restart', 'only store REDIS_URL; it applies at the next deploy')
    .addHelpText(
      'after',
      '\nREDIS_URL (rediss://:<token>@host:6379) goes into the app\'s secrets and is never printed.\n\nExample:\n  futuswarm cache:create -n shop --node-type cache.t4g.small\n',
    )
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent(
          'cache.create',
          { app: opts.name, ...(opts.nodeType !== undefined ? { nodeType: opts.nodeType } : {}), restart: opts.restart !== false },
          { app: '--name', nodeType: '--node-type' },
        );
        ctx.io.result(r, () => renderCacheCreate(r));
      }),
    );
};
