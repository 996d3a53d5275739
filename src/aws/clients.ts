/**
 * AWS SDK clients for the admin adapters. Each SDK is loaded on first use (they are large and
 * most CLI commands never touch AWS) and one client is kept per region and endpoint.
 * Endpoints, credentials and retries come from the SDK's own resolution (AWS_ENDPOINT_URL…).
 */
type Ec2 = typeof import('@aws-sdk/client-ec2');
type Iam = typeof import('@aws-sdk/client-iam');
type Elbv2 = typeof import('@aws-sdk/client-elastic-load-balancing-v2');
type Acm = typeof import('@aws-sdk/client-acm');
type Rds = typeof import('@aws-sdk/client-rds');
type ElastiCache = typeof import('@aws-sdk/client-elasticache');
type Kms = typeof import('@aws-sdk/client-kms');
type S3 = typeof import('@aws-sdk/client-s3');
type Sts = typeof import('@aws-sdk/client-sts');

/**
 * The package's exports, however they came: its namespace (Node, the agent bundle), or wrapped
 * in `default` once or twice (the CLI's bundle loads the SDK, CommonJS, from an ES module in
 * dist/cli/vendor/ with require(): `{ default: { default: sdk } }`).
 */
function exportsOf<M>(loaded: Promise<M>): Promise<M> {
  return loaded.then((m) => {
    let sdk = m as Record<string, unknown>;
    while (sdk.default && Object.keys(sdk).every((key) => key === 'default' || key === '__esModule')) sdk = sdk.default as Record<string, unknown>;
    return sdk as M;
  });
}

function customEndpoint(service: string): string | undefined {
  const specific = process.env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`];
  const endpoint = specific ?? process.env.AWS_ENDPOINT_URL;
  return endpoint === '' ? undefined : endpoint;
}

function cached<M, C>(service: string, load: () => Promise<M>, make: (sdk: M, region: string) => C) {
  const cache = new Map<string, Promise<{ sdk: M; client: C }>>();
  return (region: string): Promise<{ sdk: M; client: C }> => {
    const key = `${region}|${customEndpoint(service) ?? ''}`;
    let entry = cache.get(key);
    if (entry === undefined) {
      entry = load().then((sdk) => ({ sdk, client: make(sdk, region) }));
      cache.set(key, entry);
    }
    return entry;
  };
}

export const ec2 = cached('ec2', (): Promise<Ec2> => exportsOf(import('@aws-sdk/client-ec2')), (sdk, region) => new sdk.EC2Client({ region }));
export const iam = cached('iam', (): Promise<Iam> => exportsOf(import('@aws-sdk/client-iam')), (sdk, region) => new sdk.IAMClient({ region }));
export const elbv2 = cached(
  'elastic_load_balancing_v2',
  (): Promise<Elbv2> => exportsOf(import('@aws-sdk/client-elastic-load-balancing-v2')),
  (sdk, region) => new sdk.ElasticLoadBalancingV2Client({ region }),
);
export const acm = cached('acm', (): Promise<Acm> => exportsOf(import('@aws-sdk/client-acm')), (sdk, region) => new sdk.ACMClient({ region }));
export const rds = cached('rds', (): Promise<Rds> => exportsOf(import('@aws-sdk/client-rds')), (sdk, region) => new sdk.RDSClient({ region }));
export const elasticache = cached(
  'elasticache',
  (): Promise<ElastiCache> => exportsOf(import('@aws-sdk/client-elasticache')),
  (sdk, region) => new sdk.ElastiCacheClient({ region }),
);
export const kmsAdmin = cached('kms', (): Promise<Kms> => exportsOf(import('@aws-sdk/client-kms')), (sdk, region) => new sdk.KMSClient({ region }));
export const s3Admin = cached(
  's3',
  (): Promise<S3> => exportsOf(import('@aws-sdk/client-s3')),
  // Custom endpoints (S3-compatible stores) have no per-bucket DNS names.
  (sdk, region) => new sdk.S3Client({ region, forcePathStyle: customEndpoint('s3') !== undefined }),
);
export const sts = cached('sts', (): Promise<Sts> => exportsOf(import('@aws-sdk/client-sts')), (sdk, region) => new sdk.STSClient({ region }));

/**
 * The agent's KMS and S3 clients. The region may be left out: on a manager the SDK resolves it
 * (AWS_REGION, instance metadata), which is why these are not the admin clients above.
 */
export const kmsClient = cached(
  'kms',
  (): Promise<Kms> => exportsOf(import('@aws-sdk/client-kms')),
  (sdk, region) => new sdk.KMSClient(region === '' ? {} : { region }),
);
export const s3Client = cached(
  's3',
  (): Promise<S3> => exportsOf(import('@aws-sdk/client-s3')),
  (sdk, region) => new sdk.S3Client({ ...(region === '' ? {} : { region }), forcePathStyle: customEndpoint('s3') !== undefined }),
);
