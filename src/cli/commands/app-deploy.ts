import type { CommandModule } from '../command.ts';
import { durationFlag, intFlag, numberFlag } from '../command.ts';
import { appName, splitImageReference } from '../../core/names.ts';
import { FutuswarmError, parseWith } from '../../core/errors.ts';
import { parseConstraintFlags } from '../../core/placement.ts';
import type { CommandContext } from '../command.ts';
import { renderDeployResult, rolloutInterrupt } from '../render-deploy.ts';

export const FLAGS = {
  app: '--name', image: '--image', tag: '--tag', digest: '--image', port: '--port', replicas: '--replicas', limits: '--cpus/--memory',
  timeoutSeconds: '--timeout', health: '--health-*', internal: '--internal', constraints: '--constraint', spread: '--spread',
};

const collect = (v: string, all: string[] = []): string[] => [...all, v];

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app name: a DNS label, becomes <app>.<cluster domain>')
    .option('-i, --image <image>', 'image, e.g. acme/shop:1.4 or acme/shop@sha256:… (a tag here is used when -t is not given)')
    .option('-t, --tag <tag>', 'image tag to deploy (default: the tag in --image, else latest)')
    .option('--build [dir]', 'build DIR (default .) with your local Docker, push it into the app\'s repository and deploy it by digest')
    .option('--dockerfile <file>', 'with --build: the Dockerfile, relative to DIR (default Dockerfile)')
    .option('--build-arg <KEY=value>', 'with --build: a build argument (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--target <stage>', 'with --build: the stage of a multi-stage Dockerfile to build')
    .option('--push', 'push --image from your local Docker into the app\'s repository first, then deploy it by digest')
    .option('-p, --port <port>', 'port the app listens on (required for a new app)', intFlag('--port'))
    .option('-r, --replicas <n>', 'number of tasks (default: unchanged, or 1)', intFlag('--replicas'))
    .option('--cpus <n>', 'CPU limit per task, e.g. 0.5', numberFlag('--cpus'))
    .option('--memory <mb>', 'memory limit per task in MiB', intFlag('--memory'))
    .option('--health-path <path>', 'HTTP path that answers 2xx when a task is healthy, e.g. /healthz')
    .option('--health-cmd <command>', 'command run inside the task; exit 0 means healthy')
    .option('--health-timeout <duration>', 'how long one health probe may take (e.g. 5s)', durationFlag('--health-timeout'))
    .option('--internal', 'no route through the proxy: reachable only inside the cluster')
    .option('--constraint <label==value>', 'run tasks only on nodes whose label matches, e.g. zone==a or disk!=hdd (repeatable; replaces the stored ones)', collect)
    .option('--no-constraints', 'drop the stored constraints')
    .option('--spread <label>', 'spread tasks evenly over the values of a node label, e.g. zone (repeatable; replaces the stored ones)', collect)
    .option('--no-spread', 'drop the stored spread')
    .option('--timeout <duration>', 'give up waiting for the release after this long (e.g. 5m)', durationFlag('--timeout'))
    .option('--lock-wait <duration>', 'wait this long for another change of the app to finish', durationFlag('--lock-wait'))
    .option('--dry-run', 'show what would change and change nothing')
    .addHelpText('after', '\nPlacement (--constraint, --spread) is on node labels, which admins set (futuswarm admin node:label);\nit is kept across deploys until replaced or dropped.\n\nExamples:\n  futuswarm app:deploy -n shop --build . --port 8080\n  futuswarm app:deploy -n shop -i shop:1.4 --push\n  futuswarm app:deploy -n shop -i acme/shop -t 1.5 --health-path /healthz --dry-run\n  futuswarm app:deploy -n shop -i acme/shop -t 1.5 --constraint zone!=c --spread zone\n')
    .action(
      action(async (ctx, opts) => {
        const app = parseWith(appName, opts.name, '--name');
        const image = await imageToDeploy(ctx, app, opts);
        const limits = opts.cpus !== undefined || opts.memory !== undefined
          ? { ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}), ...(opts.memory !== undefined ? { memoryMb: opts.memory } : {}) }
          : undefined;
        const health = opts.healthPath !== undefined || opts.healthCmd !== undefined || opts.healthTimeout !== undefined
          ? {
              ...(opts.healthPath !== undefined ? { path: opts.healthPath } : {}),
              ...(opts.healthCmd !== undefined ? { cmd: opts.healthCmd } : {}),
              ...(opts.healthTimeout !== undefined ? { timeoutSeconds: opts.healthTimeout } : {}),
            }
          : undefined;
        const placement = placementArgs(opts);
        const result = await ctx.agent(
          'app.deploy',
          {
            app,
            ...image,
            ...(opts.port !== undefined ? { port: opts.port } : {}),
            ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
            ...(limits ? { limits } : {}),
            ...(health ? { health } : {}),
            ...(opts.internal ? { internal: true } : {}),
            ...placement,
            ...(opts.dryRun ? { dryRun: true } : {}),
            ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}),
          },
          FLAGS,
          { ...(opts.lockWait !== undefined ? { lockWaitSeconds: opts.lockWait } : {}), interrupt: rolloutInterrupt(opts.name) },
        );
        ctx.io.result(result, () => renderDeployResult(result));
      }),
    );
};

/** --constraint and --spread as the request carries them: constraints as data, [] to drop what is stored, nothing to keep it. */
function placementArgs(opts: { constraint?: string[] | undefined; constraints?: boolean | undefined; spread?: string[] | boolean | undefined }) {
  if (opts.constraints === false && opts.constraint !== undefined) {
    throw new FutuswarmError('invalid_input', '--constraint and --no-constraints exclude each other: --constraint alone replaces the stored constraints');
  }
  const constraints = opts.constraints === false ? [] : (opts.constraint ? parseConstraintFlags(opts.constraint) : undefined);
  const spread = opts.spread === false ? [] : Array.isArray(opts.spread) ? opts.spread : undefined;
  return { ...(constraints ? { constraints } : {}), ...(spread ? { spread } : {}) };
}

/** The options of app:deploy that say what to deploy. */
interface ImageOptions {
  image?: string | undefined;
  tag?: string | undefined;
  build?: string | true | undefined;
  dockerfile?: string | undefined;
  buildArg?: string[] | undefined;
  target?: string | undefined;
  push?: true | undefined;
  dryRun?: true | undefined;
}

/**
 * What to deploy: an image by reference, or one built and pushed (--build) or pushed (--push)
 * from the local Docker first, then deployed by digest. A failed build or push throws before
 * anything is deployed.
 */
async function imageToDeploy(ctx: CommandContext, app: string, opts: ImageOptions): Promise<{ image: string; tag?: string; digest?: string }> {
  const given = opts.image;
  const tag = opts.tag;
  const buildOnly = (['dockerfile', 'buildArg', 'target'] as const).filter((k) => opts[k] !== undefined);
  if (opts.dryRun && (opts.build !== undefined || opts.push)) {
    throw new FutuswarmError('invalid_input', `--dry-run changes nothing, but --${opts.build !== undefined ? 'build' : 'push'} would push an image`, {
      hint: `push first (futuswarm app:push -n ${app} -i <image>), then dry-run its digest: futuswarm app:deploy -n ${app} -i <reference it printed> --dry-run`,
    });
  }
  if (opts.build !== undefined) {
    if (given !== undefined) throw new FutuswarmError('invalid_input', '--build and --image exclude each other: --build deploys what it builds');
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const name = `futuswarm/${app}:${tag ?? `build-${stamp}`}`;
    const buildArgs = opts.buildArg ?? [];
    for (const arg of buildArgs) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*(=.*)?$/s.test(arg)) throw new FutuswarmError('invalid_input', `--build-arg: must be KEY=value or KEY, got "${arg}"`);
    }
    const { buildImage, pushImage } = await import('../local-images.ts');
    const built = await buildImage(ctx, {
      dir: typeof opts.build === 'string' ? opts.build : '.',
      dockerfile: opts.dockerfile,
      buildArgs,
      target: opts.target,
      name,
    });
    const pushed = await pushImage(ctx, app, built, tag ?? name.split(':')[1]);
    return { image: pushed.repository, digest: pushed.digest };
  }
  if (buildOnly.length > 0) throw new FutuswarmError('invalid_input', `--${buildOnly[0] === 'buildArg' ? 'build-arg' : buildOnly[0]} needs --build`);
  if (given === undefined) {
    throw new FutuswarmError('invalid_input', 'say what to deploy: --image REF, or --build DIR', { hint: `futuswarm app:deploy -n ${app} --build .` });
  }
  if (opts.push) {
    // Loaded only to build or push: a deploy by reference does not pay for it.
    const { pushImage } = await import('../local-images.ts');
    const pushed = await pushImage(ctx, app, given, tag);
    return { image: pushed.repository, digest: pushed.digest };
  }
  if (/:[^/]*@/.test(given)) {
    throw new FutuswarmError('invalid_input', `--image: give a tag or a digest, not both (${given})`, { hint: 'a digest alone pins the image: repo@sha256:…' });
  }
  const ref = splitImageReference(given);
  if (ref.digest !== undefined) {
    if (tag !== undefined) throw new FutuswarmError('invalid_input', '--tag: --image already names a digest');
    return { image: ref.repository, digest: ref.digest };
  }
  return { image: ref.repository, tag: tag ?? ref.tag ?? 'latest' };
}
