/**
 * The moto server that the local cluster starts (scripts/local-cluster.sh). Tests share it,
 * so each test names its own resources uniquely instead of resetting moto.
 */
export const MOTO_ENDPOINT = process.env.FUTUSWARM_MOTO_ENDPOINT ?? 'http://127.0.0.1:5055';

/** Environment for AWS SDK v3 clients pointed at moto. */
export function awsTestEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: MOTO_ENDPOINT,
    AWS_REGION: 'eu-north-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
}

/** Apply awsTestEnv() to this process (for tests that call adapters in-process). */
export function useMoto(): void {
  Object.assign(process.env, awsTestEnv());
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
