/**
 * What the agent answers to the app ops that deploy and run it: deploy, rollback, scale,
 * restart, inspect, list, remove, domains, releases, locks, logs, run and exec.
 */
import { z } from 'zod';
import type { Op } from '../protocol.ts';

export const APP_RESULTS = {
  'app.deploy': z.unknown(),
  'app.create': z.unknown(),
  'app.list': z.unknown(),
  'app.inspect': z.unknown(),
  'app.remove': z.unknown(),
  'app.domains': z.unknown(),
  'app.releases': z.unknown(),
  'app.rollback': z.unknown(),
  'app.scale': z.unknown(),
  'app.restart': z.unknown(),
  'app.lock': z.unknown(),
  'app.lock.status': z.unknown(),
  'app.unlock': z.unknown(),
  'app.logs': z.unknown(),
  'app.run': z.unknown(),
  'app.exec': z.unknown(),
} satisfies Partial<Record<Op, z.ZodType>>;
