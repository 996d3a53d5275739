/**
 * The `databases:` and `caches:` sections of the agent config: what `db:*` and `cache:*` create
 * for apps. `admin cluster:bootstrap` writes them from the cluster file; the endpoint overrides
 * are for managers that reach the database or cache some other way than the address AWS
 * reports (an SSH tunnel, or a local PostgreSQL and Redis standing in for RDS and ElastiCache).
 */
import * as z from 'zod';

const endpoint = z.strictObject({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
});

export const databasesConfigSchema = z.strictObject({
  /** The cluster has one shared PostgreSQL instance (cluster file `databases.shared`). */
  shared: z.boolean().default(false),
  /** For `db:create --dedicated`: the same settings as the cluster file's `databases:`. */
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t4g.micro').default('db.t4g.micro'),
  engineVersion: z.string().regex(/^\d+(\.\d+)?$/, 'must be a PostgreSQL version such as 16').default('16'),
  storageGb: z.number().int().min(20).max(65536).default(20),
  backupRetentionDays: z.number().int().min(1).max(35).default(7),
  /**
   * TLS of the agent's own connection: `verify-full` checks the server certificate against
   * `caFile` (RDS certificates are signed by Amazon's RDS CA, not a public one); `disable`
   * is for a local server without TLS.
   */
  tls: z.enum(['verify-full', 'disable']).default('verify-full'),
  caFile: z.string().regex(/^\/[\w./-]+$/, 'must be an absolute path').optional(),
  /** What DATABASE_URL asks of the app's client (`sslmode=`); default `require`, or `disable` with `tls: disable`. */
  appSslmode: z.enum(['disable', 'require', 'verify-full']).optional(),
  /** Connect to the shared instance here instead of the endpoint RDS reports. */
  sharedEndpointOverride: endpoint.optional(),
  /** Connect to every dedicated instance here instead of the endpoint RDS reports. */
  dedicatedEndpointOverride: endpoint.optional(),
});
export type DatabasesConfig = z.output<typeof databasesConfigSchema>;

export const cachesConfigSchema = z.strictObject({
  nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as cache.t4g.micro').default('cache.t4g.micro'),
  engineVersion: z.string().regex(/^\d+(\.\d+)?$/, 'must be a Redis version such as 7.1').default('7.1'),
  /**
   * Reach every cache here instead of the endpoint ElastiCache reports, and give apps this
   * address in REDIS_URL.
   */
  endpointOverride: endpoint
    .extend({
      /** ElastiCache always speaks TLS; a local Redis usually does not. */
      tls: z.boolean().default(true),
      /**
       * A Redis of your own standing in for ElastiCache: the agent makes each app's AUTH token
       * a password of its `default` user (what ElastiCache does for a new group), logging in
       * with the password in this file. Without it the server must already accept the token.
       */
      adminPasswordFile: z.string().regex(/^\/[\w./-]+$/, 'must be an absolute path').optional(),
    })
    .optional(),
});
export type CachesConfig = z.output<typeof cachesConfigSchema>;
