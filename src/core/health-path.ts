/** An app's health check path (src/core/app-settings.ts), on its own for the protocol's schemas to use. */
import * as z from 'zod';
import { lazySchema } from './lazy-schemas.ts';

/**
 * What the probe sends as the request target: an absolute path with an optional query, in
 * characters a request line carries as they are. Each refusal says why.
 */
export const healthPath = lazySchema(() =>
  z
    .string()
    .max(200)
    .refine((p) => p.startsWith('/'), 'must be an absolute path that starts with /, such as /healthz')
    .refine((p) => !p.startsWith('//'), 'must not start with // (that names a host, not a path)')
    .refine((p) => !p.includes('#'), 'must not have a #fragment: it is never sent to the server')
    .refine((p) => /^[\w\-./~%?=&:+,;@!]*$/.test(p), 'may contain only letters, digits and - . _ ~ / ? = & : + , ; @ ! %; percent-encode anything else (a space is %20)')
    .refine((p) => !/%(?![0-9A-Fa-f]{2})/.test(p), 'has a % that is not followed by two hex digits (a literal % is %25)'),
);
