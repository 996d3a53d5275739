/** What the agent answers to the admin ops (proxy, registry, audit) and to db/cache. */
import { z } from 'zod';
import type { Op } from '../protocol.ts';

export const ADMIN_RESULTS = {
  'admin.proxy.deploy': z.unknown(),
  'admin.proxy.status': z.unknown(),
  'admin.registry.deploy': z.unknown(),
  'admin.registry.gc': z.unknown(),
  'admin.registry.add': z.unknown(),
  'admin.registry.list': z.unknown(),
  'admin.registry.remove': z.unknown(),
  'admin.audit': z.unknown(),
  'db.create': z.unknown(),
  'db.info': z.unknown(),
  'db.destroy': z.unknown(),
  'cache.create': z.unknown(),
  'cache.info': z.unknown(),
  'cache.destroy': z.unknown(),
} satisfies Partial<Record<Op, z.ZodType>>;
