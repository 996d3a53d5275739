/**
 * The Swarm spec of a one-off job (`app:run`): a replicated job that runs one task to the
 * end, with the app's image, environment, networks and limits, and the given argv. Plain data.
 */
import type { AppSettings } from './app-settings.ts';
import { PROBE_FILE } from './agent-bundle.ts';
import { REGISTRY_LABEL } from './registry-spec.ts';
import { PROBE_MOUNT, PROBE_MOUNT_TARGET, type BindMount } from './service-spec.ts';
import { jobNetworks, type TaskNetwork } from './app-networks.ts';
import { effectiveLimits, type TaskLimits } from './task-limits.ts';

export const JOB_LABEL = {
  /** The app a job belongs to. Not `futuswarm.app`: a job is not one of the app's tasks. */
  app: 'futuswarm.job.app',
  user: 'futuswarm.job.user',
} as const;

/**
 * Whether a service is one of futuswarm's one-off runs (app:run, the registry's collector): a
 * replicated service of one task that runs once, which nothing replaces or moves.
 */
export function isOneOffService(labels: Readonly<Record<string, string>>): boolean {
  return JOB_LABEL.app in labels || labels[REGISTRY_LABEL.registry] === 'gc';
}

export interface JobInput {
  app: string;
  /** A short random ID that makes the service name unique. */
  id: string;
  /** What Swarm runs: exactly the image the app runs. */
  image: string;
  env: Readonly<Record<string, string>>;
  command: readonly string[];
  user: string;
  settings: Pick<AppSettings, 'limits' | 'links'>;
  /** The cluster's limits for what the app leaves out (src/core/task-limits.ts). */
  defaultLimits?: TaskLimits | undefined;
  /**
   * `app:run -it`: instead of the command, the task holds (futuswarm-probe -hold, mounted from
   * the node) for at most these seconds, and the session is an exec of the command into it.
   */
  holdSeconds?: number;
}

export interface JobSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Command?: string[];
      Args: string[];
      Mounts?: BindMount[];
      Env: string[];
      Labels: Record<string, string>;
      Healthcheck: { Test: ['NONE'] };
    };
    Resources: { Limits: { NanoCPUs?: number; MemoryBytes?: number } };
    RestartPolicy: { Condition: 'none' };
    Networks: TaskNetwork[];
  };
  Mode: { Replicated: { Replicas: 1 } };
}

/** `<app>_run_<id>`: the underscore keeps job names apart from app names, which cannot have one. */
export function jobName(app: string, id: string): string {
  return `${app}_run_${id}`;
}

export function buildJobSpec(job: JobInput): JobSpec {
  const limits: { NanoCPUs?: number; MemoryBytes?: number } = {};
  const effective = effectiveLimits(job.settings.limits, job.defaultLimits);
  if (effective.cpus !== undefined) limits.NanoCPUs = Math.round(effective.cpus * 1e9);
  if (effective.memoryMb !== undefined) limits.MemoryBytes = effective.memoryMb * 1024 * 1024;
  const run =
    job.holdSeconds === undefined
      ? // Args, like `docker run IMAGE ARGS…`: the image's entrypoint stays, its CMD is replaced.
        { Args: [...job.command] }
      : { Command: [`${PROBE_MOUNT_TARGET}/${PROBE_FILE}`, '-hold', String(job.holdSeconds)], Args: [], Mounts: [PROBE_MOUNT] };
  const labels = { [JOB_LABEL.app]: job.app, [JOB_LABEL.user]: job.user };
  return {
    Name: jobName(job.app, job.id),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: job.image,
        ...run,
        Env: Object.keys(job.env)
          .sort()
          .map((k) => `${k}=${job.env[k]}`),
        Labels: labels,
        // The app's health check is about serving; a job only has to finish.
        Healthcheck: { Test: ['NONE'] },
      },
      Resources: { Limits: limits },
      // One attempt: a migration that failed must not run again behind the user's back.
      RestartPolicy: { Condition: 'none' },
      // The app's own network and its links', never the proxy's (src/core/app-networks.ts).
      Networks: jobNetworks(job.app, job.settings),
    },
    // One task that runs once (restart condition none), not a Swarm job: Docker 20.10's job
    // orchestrator was seen to start a replicated job's task again and again after it completed.
    Mode: { Replicated: { Replicas: 1 } },
  };
}
