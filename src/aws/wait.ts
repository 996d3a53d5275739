/** Polling for AWS resources that take a while (instances, load balancers, databases). */
import { setTimeout as sleep } from 'node:timers/promises';
import { FutuswarmError } from '../core/errors.ts';
import { awsFailure, isAwsError } from './aws-errors.ts';

export interface WaitOptions {
  /** Between checks; default 5 s. */
  intervalMs?: number;
  /** Give up after; default 20 minutes. */
  timeoutMs?: number;
}

/** Call `check` until it returns something other than undefined. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, options: WaitOptions & { hint?: string } = {}): Promise<T> {
  const interval = options.intervalMs ?? 5000;
  const deadline = Date.now() + (options.timeoutMs ?? 20 * 60_000);
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() + interval > deadline) {
      throw new FutuswarmError('unavailable', `gave up waiting for ${what}`, {
        hint: options.hint ?? 'AWS is slower than usual; run the same command again to continue where it stopped',
      });
    }
    await sleep(interval);
  }
}

/**
 * Delete something that another resource may still be using: `del` again until it succeeds,
 * `gone` says it is not there (done), or an error other than `inUse` stops it.
 */
export async function deleteWhenReleased(
  what: string,
  del: () => Promise<unknown>,
  codes: { action: string; gone: string[]; inUse: string[] },
  options: WaitOptions & { hint?: string } = {},
): Promise<void> {
  await waitFor(
    `${what} to be released`,
    async () => {
      try {
        await del();
        return true;
      } catch (e) {
        if (isAwsError(e, ...codes.gone)) return true;
        if (isAwsError(e, ...codes.inUse)) return undefined;
        throw awsFailure(e, codes.action, what);
      }
    },
    options,
  );
}
