import type { CommandModule } from '../command.ts';
import { durationFlag, intFlag, numberFlag } from '../command.ts';
import { splitImageReference } from '../../core/names.ts';
import { renderDeployResult, rolloutInterrupt, type DeployResult } from '../render-deploy.ts';

export const FLAGS = {
  app: '--name', image: '--image', tag: '--tag', port: '--port', replicas: '--replicas', limits: '--cpus/--memory',
  timeoutSeconds: '--timeout', health: '--health-*', internal: '--internal',
};

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name: a DNS label, becomes <app>.<cluster domain>')
    .requiredOption('-i, --image <image>', 'image repository, e.g. acme/shop (a tag here is used when -t is not given)')
    .option('-t, --tag <tag>', 'image tag to deploy (default: the tag in --image, else latest)')
    .option('-p, --port <port>', 'port the app listens on (required for a new app)', intFlag('--port'))
    .option('-r, --replicas <n>', 'number of tasks (default: unchanged, or 1)', intFlag('--replicas'))
    .option('--cpus <n>', 'CPU limit per task, e.g. 0.5', numberFlag('--cpus'))
    .option('--memory <mb>', 'memory limit per task in MiB', intFlag('--memory'))
    .option('--health-path <path>', 'HTTP path that answers 2xx when a task is healthy, e.g. /healthz')
    .option('--health-cmd <command>', 'command run inside the task; exit 0 means healthy')
    .option('--health-timeout <duration>', 'how long one health probe may take (e.g. 5s)', durationFlag('--health-timeout'))
    .option('--internal', 'no route through the proxy: reachable only inside the cluster')
    .option('--timeout <duration>', 'give up waiting for the release after this long (e.g. 5m)', durationFlag('--timeout'))
    .option('--lock-wait <duration>', 'wait this long for another change of the app to finish', durationFlag('--lock-wait'))
    .option('--dry-run', 'show what would change and change nothing')
    .addHelpText('after', '\nExamples:\n  futuswarm app:deploy -n shop -i acme/shop -t 1.4 --port 8080\n  futuswarm app:deploy -n shop -i acme/shop -t 1.5 --health-path /healthz --dry-run\n')
    .action(
      action(async (ctx, opts) => {
        const ref = splitImageReference(String(opts.image));
        const limits = opts.cpus !== undefined || opts.memory !== undefined
          ? { ...(opts.cpus !== undefined ? { cpus: opts.cpus as number } : {}), ...(opts.memory !== undefined ? { memoryMb: opts.memory as number } : {}) }
          : undefined;
        const health = opts.healthPath !== undefined || opts.healthCmd !== undefined || opts.healthTimeout !== undefined
          ? {
              ...(opts.healthPath !== undefined ? { path: String(opts.healthPath) } : {}),
              ...(opts.healthCmd !== undefined ? { cmd: String(opts.healthCmd) } : {}),
              ...(opts.healthTimeout !== undefined ? { timeoutSeconds: opts.healthTimeout as number } : {}),
            }
          : undefined;
        const result = (await ctx.agent(
          'app.deploy',
          {
            app: String(opts.name),
            image: ref.repository,
            tag: (opts.tag as string | undefined) ?? ref.tag ?? 'latest',
            ...(opts.port !== undefined ? { port: opts.port as number } : {}),
            ...(opts.replicas !== undefined ? { replicas: opts.replicas as number } : {}),
            ...(limits ? { limits } : {}),
            ...(health ? { health } : {}),
            ...(opts.internal ? { internal: true } : {}),
            ...(opts.dryRun ? { dryRun: true } : {}),
            ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout as number } : {}),
          },
          FLAGS,
          { ...(opts.lockWait !== undefined ? { lockWaitSeconds: opts.lockWait as number } : {}), interrupt: rolloutInterrupt(String(opts.name)) },
        )) as DeployResult;
        ctx.io.result(result, () => renderDeployResult(result));
      }),
    );
};
