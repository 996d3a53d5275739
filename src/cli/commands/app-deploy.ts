import type { CommandModule } from '../command.ts';
import { intFlag, numberFlag } from '../command.ts';
import { splitImageReference } from '../../core/names.ts';

interface DeployResult {
  app: string;
  changed: boolean;
  release: number;
  image: string;
  replicas: number;
  url: string;
}

export const FLAGS = { app: '--name', image: '--image', tag: '--tag', port: '--port', replicas: '--replicas', limits: '--cpus/--memory', timeoutSeconds: '--timeout' };

export const register: CommandModule['register'] = (cmd, action) => {
    cmd
      .requiredOption('-n, --name <app>', 'app name: a DNS label, becomes <app>.<cluster domain>')
      .requiredOption('-i, --image <image>', 'image repository, e.g. acme/shop (a tag here is used when -t is not given)')
      .option('-t, --tag <tag>', 'image tag to deploy')
      .option('-p, --port <port>', 'port the app listens on (required for a new app)', intFlag('--port'))
      .option('-r, --replicas <n>', 'number of tasks (default: unchanged, or 1)', intFlag('--replicas'))
      .option('--cpus <n>', 'CPU limit per task, e.g. 0.5', numberFlag('--cpus'))
      .option('--memory <mb>', 'memory limit per task in MiB', intFlag('--memory'))
      .option('--timeout <seconds>', 'give up waiting for the release after this long', intFlag('--timeout'))
      .addHelpText('after', '\nExample:\n  futuswarm app:deploy -n shop -i acme/shop -t 1.4 --port 8080\n')
      .action(
        action(async (ctx, opts) => {
          const ref = splitImageReference(String(opts.image));
          const limits = opts.cpus !== undefined || opts.memory !== undefined
            ? { ...(opts.cpus !== undefined ? { cpus: opts.cpus as number } : {}), ...(opts.memory !== undefined ? { memoryMb: opts.memory as number } : {}) }
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
              ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout as number } : {}),
            },
            FLAGS,
          )) as DeployResult;
          ctx.io.result(result, () =>
            result.changed
              ? `${result.app} release ${result.release} (${result.image}) is live at ${result.url}`
              : `${result.app} is unchanged: release ${result.release} (${result.image}) at ${result.url}`,
          );
        }),
      );
};
