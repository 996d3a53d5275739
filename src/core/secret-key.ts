/**
 * A secret's key and the limits on secrets (src/core/secrets.ts has the rest): apart, so that
 * what only checks a request's keys does not load the secrets' storage and encryption.
 */
import * as z from 'zod';
import { lazySchema } from './lazy-schemas.ts';

export const SECRET_LIMITS = {
  maxKeys: 1000,
  maxKeyBytes: 256,
  maxValueBytes: 64 * 1024,
  /** Sum of key and value bytes over the whole app. */
  maxTotalBytes: 512 * 1024,
} as const;

export const KEY_RE = /^[A-Z_][A-Z0-9_]*$/;
export const SECRET_KEY_RULE = 'must be an environment variable name: A-Z, 0-9 and _, not starting with a digit';
/** A secret's key, as requests carry it: an environment variable name. */
export const secretKeyName = lazySchema(() =>
  z.string().regex(KEY_RE, SECRET_KEY_RULE).max(SECRET_LIMITS.maxKeyBytes),
);
