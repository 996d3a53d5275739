/** What the agent answers to secrets, owners, images and whoami. */
import { z } from 'zod';
import type { Op } from '../protocol.ts';

export const PEOPLE_RESULTS = {
  'app.secrets.set': z.unknown(),
  'app.secrets.unset': z.unknown(),
  'app.secrets.list': z.unknown(),
  'app.secrets.get': z.unknown(),
  'app.secrets.history': z.unknown(),
  'app.owners': z.unknown(),
  'app.owners.add': z.unknown(),
  'app.owners.remove': z.unknown(),
  'app.push': z.unknown(),
  'app.images': z.unknown(),
  'app.images.prune': z.unknown(),
  'whoami': z.unknown(),
} satisfies Partial<Record<Op, z.ZodType>>;
