/** The `proxy:` section of the agent config: how `admin proxy:deploy` runs Traefik. */
import * as z from 'zod';

const port = z.number().int().min(1).max(65535);

export const DEFAULT_PROXY_IMAGE = 'traefik:v3.6';

export const proxyConfigSchema = z
  .strictObject({
    /** Traefik v3 image; every manager must be able to pull it. */
    image: z.string().min(1).regex(/^[^\s]+$/, 'must be an image reference such as traefik:v3.6').default(DEFAULT_PROXY_IMAGE),
    /** Host port for HTTP on every manager (the load balancer's target). */
    httpPort: port.default(80),
    /** Host port for HTTPS; only when Traefik terminates TLS itself (with `acme`). */
    httpsPort: port.optional(),
    /**
     * How often Traefik polls the swarm, in whole seconds. Swarm takes a stopping task out of
     * service 2s before it signals it; the proxy must notice within that, so keep it at 1.
     */
    refreshSeconds: z.number().int().min(1).max(300).default(1),
    /** CIDRs of the load balancers in front (e.g. the VPC's): their X-Forwarded-* headers reach apps. */
    trustedProxies: z
      .array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR such as 10.0.0.0/16'))
      .default([]),
    /** Let's Encrypt (or another ACME CA) through Traefik, for clusters without a load balancer that terminates TLS. */
    acme: z
      .strictObject({
        email: z.email('must be an email address'),
        /** ACME directory; Let's Encrypt production when absent. */
        caServer: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.httpsPort !== undefined && p.httpsPort === p.httpPort) {
      ctx.addIssue({ code: 'custom', path: ['httpsPort'], message: 'must differ from httpPort' });
    }
    if (p.acme && p.httpsPort === undefined) {
      ctx.addIssue({ code: 'custom', path: ['httpsPort'], message: 'is required with acme (certificates are served on it)' });
    }
    if (!p.acme && p.httpsPort !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['acme'],
        message: 'is required with httpsPort (Traefik has no certificate otherwise); when a load balancer terminates TLS, leave httpsPort unset',
      });
    }
  });

export type ProxyConfig = z.output<typeof proxyConfigSchema>;
