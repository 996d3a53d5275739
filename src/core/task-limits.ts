/**
 * What one task of an app may use: its own limits where it sets them, else the cluster's default
 * (the cluster file's nodes.defaultAppLimits, the agent config's deploy.defaultLimits), so one
 * app's leak cannot take a node's memory from every other app. Pure; the schema is in
 * task-limits-schema.ts, so that building a service spec does not load zod.
 */
export interface TaskLimits {
  cpus?: number | undefined;
  memoryMb?: number | undefined;
}

/** Each limit the app sets wins; the ones it leaves out come from the cluster's default. */
export function effectiveLimits(own: TaskLimits | undefined, defaults: TaskLimits | undefined): TaskLimits {
  const cpus = own?.cpus ?? defaults?.cpus;
  const memoryMb = own?.memoryMb ?? defaults?.memoryMb;
  return { ...(cpus !== undefined ? { cpus } : {}), ...(memoryMb !== undefined ? { memoryMb } : {}) };
}

/** The limits a Swarm service spec sets for its tasks (TaskTemplate.Resources.Limits). */
export function limitsOfSpec(spec: Record<string, unknown>): TaskLimits {
  const template = spec.TaskTemplate as { Resources?: { Limits?: { NanoCPUs?: number; MemoryBytes?: number } } } | undefined;
  const limits = template?.Resources?.Limits;
  return {
    ...(limits?.NanoCPUs ? { cpus: limits.NanoCPUs / 1e9 } : {}),
    ...(limits?.MemoryBytes ? { memoryMb: Math.round(limits.MemoryBytes / (1024 * 1024)) } : {}),
  };
}
