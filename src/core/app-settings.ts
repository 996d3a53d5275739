/**
 * An app's settings: everything besides image and secrets that defines how it runs. Kept in
 * the state store, so a redeploy or a restore needs nothing from the swarm.
 */
import * as z from 'zod';
import { lazySchema } from './lazy-schemas.ts';
import { appName, domainName } from './names.ts';
import { healthPath } from './health-path.ts';
import { placementSchema } from './placement.ts';

export const healthSchema = lazySchema(() =>
  z.strictObject({
    /** HTTP path probed inside the task and by the proxy, e.g. /healthz. */
    path: healthPath.optional(),
    /** Shell command run inside the task; exit 0 means healthy. */
    cmd: z.string().min(1).max(1000).optional(),
    intervalSeconds: z.number().min(1).max(300).default(2),
    timeoutSeconds: z.number().min(1).max(300).default(2),
    retries: z.number().int().min(1).max(20).default(3),
    startPeriodSeconds: z.number().min(0).max(600).default(0),
  }),
);
export type HealthSettings = z.output<typeof healthSchema>;

/** How many apps one app may link to. */
export const MAX_LINKS = 20;

export const appSettingsSchema = lazySchema(() =>
  z.strictObject({
    port: z.number().int().min(1).max(65535),
    replicas: z.number().int().min(0).max(100),
    limits: z.strictObject({ cpus: z.number().positive().optional(), memoryMb: z.number().int().positive().optional() }).optional(),
    /** Host names besides <app>.<cluster domain>. */
    domains: z.array(domainName).max(50).default([]),
    /** No route through the proxy: reachable only inside the cluster. */
    internal: z.boolean().default(false),
    health: healthSchema.optional(),
    /**
     * The apps whose network this app's tasks join (`app:link`), so they reach those apps by name;
     * absent when there are none. See src/core/app-networks.ts.
     */
    links: z.array(appName).max(MAX_LINKS).optional(),
    /** Constraints and spread on node labels (src/core/placement.ts); absent when there are none. */
    placement: placementSchema.optional(),
  }),
);
export type AppSettings = z.output<typeof appSettingsSchema>;
export type AppSettingsInput = z.input<typeof appSettingsSchema>;
