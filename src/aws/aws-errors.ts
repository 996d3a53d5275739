/**
 * Translation of AWS SDK failures into FutuswarmErrors, shared by the AWS adapters. Adapters call
 * `awsFailure` in their catch blocks; nothing above src/aws/ sees an SDK error.
 */
import { FutuswarmError, type ErrorCode } from '../core/errors.ts';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH']);

/** The AWS error code (`InvalidVpcID.NotFound`, `EntityAlreadyExists` …), or '' for non-AWS errors. */
export function awsErrorName(e: unknown): string {
  if (!(e instanceof Error)) return '';
  const code = (e as { Code?: unknown }).Code;
  return typeof code === 'string' ? code : e.name;
}

export function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export function isAwsError(e: unknown, ...names: string[]): boolean {
  const name = awsErrorName(e);
  return names.some((n) => (n.endsWith('*') ? name.startsWith(n.slice(0, -1)) : name === n));
}

/** No HTTP answer at all: refused, reset, timed out, or a name that did not resolve. */
export function isNetworkError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || e.name === 'TimeoutError' || ('$metadata' in e && httpStatus(e) === undefined);
}

function classify(e: unknown): ErrorCode {
  const name = awsErrorName(e);
  const status = httpStatus(e);
  if (isNetworkError(e)) return 'unavailable';
  if (
    /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthFailure|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|ExpiredTokenException|UnrecognizedClientException|OptInRequired)$/.test(name) ||
    /^Client\.UnauthorizedOperation/.test(name)
  ) {
    return 'forbidden';
  }
  if (/NotFound|NoSuchEntity|NoSuchBucket|NoSuchKey|^NotFound$/.test(name)) return 'not_found';
  if (/AlreadyExists|AlreadyOwnedByYou|Duplicate|DependencyViolation|InUse|InvalidDBInstanceState|InvalidReplicationGroupState|InvalidCacheClusterState|PreconditionFailed|DeleteConflict|IncorrectState/.test(name)) {
    return 'conflict';
  }
  if (/Throttl|RequestLimitExceeded|TooManyRequests|ServiceUnavailable|InternalError|InternalFailure|SlowDown|ServiceFailure/.test(name) || (status !== undefined && status >= 500)) {
    return 'unavailable';
  }
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  return 'aws';
}

const DEFAULT_HINTS: Partial<Record<ErrorCode, string>> = {
  forbidden: 'check the AWS credentials in use and that they have the permissions listed in docs/admin-guide.md',
  unavailable: 'AWS did not answer; run the same command again in a moment',
  conflict: 'something else changed or uses this resource; look at it in the AWS console, then run the same command again',
};

/**
 * A FutuswarmError for a failed AWS call. `action` is the API call (`ec2:CreateVpc`), `what`
 * the resource in words (`VPC vpc-123`).
 */
export function awsFailure(e: unknown, action: string, what: string, options: { hint?: string; code?: ErrorCode } = {}): FutuswarmError {
  if (e instanceof FutuswarmError) return e;
  const name = awsErrorName(e) || 'Error';
  const text = e instanceof Error ? e.message : String(e);
  const code = options.code ?? classify(e);
  const hint = options.hint ?? (/LimitExceeded|QuotaExceeded/.test(name) ? 'an AWS quota was reached; raise it in the Service Quotas console' : DEFAULT_HINTS[code]);
  const requestId = (e as { $metadata?: { requestId?: string } }).$metadata?.requestId;
  return new FutuswarmError(code, `${action} failed for ${what}: ${name}: ${text}`, {
    hint,
    details: { awsError: name, ...(requestId === undefined ? {} : { requestId }) },
    cause: e,
  });
}

/** Run one AWS call and translate its failure. */
export async function call<T>(action: string, what: string, fn: () => Promise<T>, options: { hint?: string; code?: ErrorCode } = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw awsFailure(e, action, what, options);
  }
}

/** Run one AWS call; `undefined` when it fails with one of `notFound` (e.g. 'NoSuchEntity'). */
export async function callOrUndefined<T>(action: string, what: string, notFound: string[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isAwsError(e, ...notFound)) return undefined;
    throw awsFailure(e, action, what);
  }
}
