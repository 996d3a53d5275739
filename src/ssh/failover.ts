/**
 * A cluster has several managers and any of them serves any request (locks and state live in
 * S3), so a context lists them all and a request goes to the first that answers. A manager is
 * passed over only when ssh could not connect to it at all: once the agent may have read the
 * request, asking another one could do the same thing twice.
 */
import { FutuswarmError } from '../core/errors.ts';
import { SshConnectFailure } from './ssh-failure.ts';

/** ssh's ConnectTimeout: with other managers to ask, a silent one is given up on sooner. */
export function connectTimeoutSeconds(hostCount: number): number {
  return hostCount > 1 ? 3 : 10;
}

/** The hosts in the order to try them: the one that answered last time first, then as listed. */
export function orderHosts(hosts: readonly string[], answeredLast: string | undefined): string[] {
  if (answeredLast === undefined || !hosts.includes(answeredLast)) return [...hosts];
  return [answeredLast, ...hosts.filter((h) => h !== answeredLast)];
}

export interface ConnectAttempt {
  host: string;
  port: number;
  reason: string;
}

export interface TryHostsOptions {
  port: number;
  /** Told when a host is passed over: `m1:22 did not answer (Connection refused); trying m2`. */
  onSkip?(message: string): void;
}

/**
 * Runs `attempt` against each host in turn until one connects; resolves with its value and the
 * host that answered. Any failure other than a connect failure ends it at once, as it is.
 */
export async function tryHosts<T>(hosts: readonly string[], attempt: (host: string) => Promise<T>, options: TryHostsOptions): Promise<{ value: T; host: string }> {
  const failed: ConnectAttempt[] = [];
  for (const [i, host] of hosts.entries()) {
    try {
      return { value: await attempt(host), host };
    } catch (e) {
      if (!(e instanceof SshConnectFailure)) throw e;
      // With one host, ssh's own account of it says more than a list of one.
      if (hosts.length === 1) throw e;
      failed.push({ host, port: options.port, reason: e.reason });
      const next = hosts[i + 1];
      if (next !== undefined) options.onSkip?.(`${host}:${options.port} did not answer (${e.reason}); trying ${next}`);
    }
  }
  throw noManagerAnswered(failed);
}

export function noManagerAnswered(failed: readonly ConnectAttempt[]): FutuswarmError {
  return new FutuswarmError('ssh_unreachable', `no manager answered: ${failed.map((f) => `${f.host}:${f.port} (${f.reason})`).join(', ')}`, {
    hint: 'check that the managers are up and that this machine reaches them (VPN, firewall, the SSH port); futuswarm context list shows the hosts',
    details: { attempts: failed },
  });
}
