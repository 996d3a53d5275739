/** The `registry:` section of the agent config: the cluster's own image registry (`admin registry:deploy`). */
import * as z from 'zod';
import { REGISTRY_STORAGE_PREFIX } from '../core/registry-spec.ts';

export const DEFAULT_REGISTRY_IMAGE = 'registry:3';

export const registryConfigSchema = z.strictObject({
  /** CNCF Distribution v3 image; every node must be able to pull it (or have it). */
  image: z.string().min(1).regex(/^[^\s]+$/, 'must be an image reference such as registry:3').default(DEFAULT_REGISTRY_IMAGE),
  /**
   * The loopback port of the registry on every node. Each node's Docker pulls from its own
   * 127.0.0.1:<port> (plain HTTP is allowed only to loopback), and the agent pushes there.
   */
  port: z.number().int().min(1).max(65535).default(5000),
  /** Where layers live: a prefix of the state bucket, shared by the registry on every node. */
  storage: z
    .strictObject({
      /** Node roles may read this prefix and the bucket's lifecycle rule for it is set by bootstrap: change both with it. */
      prefix: z.string().regex(/^[a-z0-9][a-z0-9/-]{0,62}$/, 'must be an S3 key prefix such as registry').default(REGISTRY_STORAGE_PREFIX),
      /** An S3-compatible endpoint instead of AWS's (a test double). */
      endpoint: z.url({ protocol: /^https?$/ }).optional(),
      /**
       * `instance-role`: the node's IAM role (AWS). `agent-env`: the AWS_ACCESS_KEY_ID and
       * AWS_SECRET_ACCESS_KEY the agent runs with, handed to the registry in its sealed config.
       */
      credentials: z.enum(['instance-role', 'agent-env']).default('instance-role'),
    })
    .prefault({}),
  /** Keep this many most recent pushes per app besides those releases use (app:images --prune). */
  keepImages: z.number().int().min(1).max(1000).default(20),
});

export type RegistryConfig = z.output<typeof registryConfigSchema>;
