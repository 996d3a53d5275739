import * as z from 'zod';
import { lazySchema } from './lazy-schemas.ts';

/** App names become DNS labels (`<app>.<domain>`) and Swarm service names. */
export const appName = lazySchema(() =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(40, 'must be at most 40 characters')
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and hyphens, not starting or ending with a hyphen')
    .refine((n) => !n.startsWith('futuswarm'), 'names starting with "futuswarm" are reserved'),
);

/** RFC 1123 host name, lowercased. */
export const domainName = lazySchema(() =>
  z
    .string()
    .max(253, 'must be at most 253 characters')
    .transform((d) => d.toLowerCase())
    .pipe(
      z.string().regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/,
        'must be a host name such as shop.example.com',
      ),
    ),
);

// The grammar of github.com/distribution/reference, without the tag or digest.
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const registryHost = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
const repositoryRe = new RegExp(`^(?:${registryHost}/)?${pathComponent}(?:/${pathComponent})*$`);

/** A registry's host name with an optional port, as image references name it (no scheme, no path). */
export const registryHostName = lazySchema(() =>
  z
    .string()
    .max(255)
    .transform((h) => h.toLowerCase())
    .pipe(z.string().regex(new RegExp(`^${registryHost}$`), 'must be a registry host such as registry.example.com or registry.example.com:5000')),
);

/** The registry host of an image repository, or undefined for Docker Hub (`acme/shop`, `shop`). */
export function registryOfRepository(repository: string): string | undefined {
  const slash = repository.indexOf('/');
  if (slash < 0) return undefined;
  const first = repository.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first.toLowerCase() : undefined;
}

/** An image repository such as `acme/shop` or `registry.example.com:5000/acme/shop` (no tag). */
export const imageRepository = lazySchema(() =>
  z
    .string()
    .max(255, 'must be at most 255 characters')
    .regex(repositoryRe, 'must be an image name such as acme/shop or registry.example.com/acme/shop, without a tag'),
);

export const imageTag = lazySchema(() =>
  z
    .string()
    .regex(/^[\w][\w.-]{0,127}$/, 'must be a tag: letters, digits, "_", "." and "-", at most 128 characters'),
);

export const imageDigest = lazySchema(() =>
  z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be a sha256 digest'),
);

/** A full reference `repo:tag` or `repo@sha256:…`, as given to `--image`. */
export function splitImageReference(ref: string): { repository: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repository: ref.slice(0, at), digest: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref };
}

/** Users are LDAP uids or names from the users file. */
export const userName = lazySchema(() =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"'),
);

export const contextName = lazySchema(() =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"'),
);

/** The command a person types for an agent op: app.deploy → app:deploy, app.secrets.set → app:secrets set. */
export function commandOfOp(op: string): string {
  const [group, ...rest] = op.split('.');
  return rest.length === 0 ? op : `${group}:${rest.join(' ')}`;
}

/** What holds an app's lock, in the words of the commands: `app:lock: "db migration"` or `a running app:deploy`. */
export function describeLockHolder(lock: { op: string; message?: string | null | undefined }): string {
  if (lock.op === 'app.lock') return `app:lock${lock.message ? `: "${lock.message}"` : ''}`;
  return `a running ${commandOfOp(lock.op)}${lock.message ? `: "${lock.message}"` : ''}`;
}
