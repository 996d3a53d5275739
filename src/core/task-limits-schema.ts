/** The shape of task limits wherever they are given: a deploy's flags, the agent config, the cluster file. */
import * as z from 'zod';

/** CPUs (fractions allowed) and MiB of memory per task. */
export const taskLimitsSchema = () =>
  z.strictObject({
    cpus: z.number().positive().max(256).optional(),
    memoryMb: z.number().int().positive().max(1024 * 1024).optional(),
  });
