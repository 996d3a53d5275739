/**
 * ssh's own failures, translated once. ssh exits 255 for them and its stderr is the only account
 * of what went wrong; this is the only place that reads it.
 */
import { FutuswarmError } from '../core/errors.ts';
import type { SshTarget } from './ssh-args.ts';

/**
 * ssh never got as far as authenticating, so the agent never started and nothing of the request
 * can have been acted on: another manager may be asked the same thing.
 */
export class SshConnectFailure extends FutuswarmError {
  readonly host: string;
  readonly port: number;
  /** ssh's words for it: `Connection refused`, `Connection timed out`, … */
  readonly reason: string;

  constructor(target: SshTarget, reason: string, message: string, hint: string) {
    super('ssh_unreachable', message, { hint });
    this.name = 'SshConnectFailure';
    this.host = target.host;
    this.port = target.port;
    this.reason = reason;
  }
}

/**
 * ssh reached the manager but did not trust it: its host key is not in known_hosts, or it is and
 * the manager now shows another. Nothing was sent; the fix is the user's known_hosts, not the network.
 */
export class SshHostKeyFailure extends FutuswarmError {
  readonly host: string;
  readonly port: number;

  constructor(target: SshTarget, message: string, hint: string) {
    super('ssh_auth', message, { hint });
    this.name = 'SshHostKeyFailure';
    this.host = target.host;
    this.port = target.port;
  }
}

const AUTH = /Permission denied|Too many authentication failures/;
const HOST_KEY = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/;
/** A master that failed after we handed it our session may have started the agent with our input. */
const MAYBE_SENT = /read from master failed/;
/**
 * The connection itself failed: connect() (every errno: refused, timed out, no route, network
 * unreachable), the name lookup, the banner exchange before any key was offered, or the
 * control master this ssh had just started.
 */
const CONNECT_PHASE: readonly RegExp[] = [
  /^ssh: connect to host \S+ port \S+: (.+)$/,
  /^(?:ssh: )?(Could not resolve hostname) \S+: .+$/,
  /^kex_exchange_identification: (.+)$/,
  /^(Connection timed out during banner exchange)$/,
  /^(Failed to connect to new control master)$/,
];

/**
 * Why ssh could not connect at all, in its own words; undefined when it got further than that
 * (or said nothing we know). Lines about an old control socket are skipped: ssh falls back to a
 * connection of its own after them.
 */
export function connectFailureReason(stderr: string): string | undefined {
  const lines = sshLines(stderr);
  if (lines.some((l) => AUTH.test(l) || HOST_KEY.test(l) || MAYBE_SENT.test(l))) return undefined;
  for (const line of lines.toReversed()) {
    for (const pattern of CONNECT_PHASE) {
      const m = pattern.exec(line);
      if (m?.[1] !== undefined) return m[1];
    }
  }
  return undefined;
}

/**
 * What a failed ssh run means. `answered`: the agent sent something, so the failure came after
 * the request was under way and is never a connect failure.
 */
export function translateSshFailure(code: number | null, stderr: string, target: SshTarget, options: { answered?: boolean } = {}): FutuswarmError {
  const where = `${target.user}@${target.host}:${target.port}`;
  const text = stderr.trim();
  const lines = sshLines(text);
  if (lines.some((l) => AUTH.test(l))) {
    return new FutuswarmError('ssh_auth', `${where} refused your SSH key`, {
      hint: 'ask an admin to add your public key to the directory (LDAP) or the users file, then try again',
    });
  }
  if (lines.some((l) => HOST_KEY.test(l))) {
    return new SshHostKeyFailure(
      target,
      `the host key of ${target.host}:${target.port} is unknown or changed`,
      `verify the manager's host key and add it to your known_hosts (ssh -p ${target.port} ${target.user}@${target.host})`,
    );
  }
  const unreachableHint = 'check the context (futuswarm context list) and that the manager is up';
  const reason = code === 255 && options.answered !== true ? connectFailureReason(text) : undefined;
  if (reason !== undefined) return new SshConnectFailure(target, reason, `cannot reach ${where}: ${lastLine(text)}`, unreachableHint);
  if (/Connection refused|Could not resolve|timed out|No route to host|Network is unreachable|Connection closed|Connection reset/.test(text)) {
    return new FutuswarmError('ssh_unreachable', `cannot reach ${where}: ${lastLine(text)}`, { hint: unreachableHint });
  }
  return new FutuswarmError('protocol', `the connection to ${where} ended without an answer (ssh exit code ${code ?? 'signal'})${text ? `: ${lastLine(text)}` : ''}`, {
    hint: 'run again with -v to see ssh diagnostics',
    details: { stderr: text.slice(-2000) },
  });
}

function sshLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Control socket connect('));
}

function lastLine(text: string): string {
  return text.split('\n').filter((l) => l.trim() !== '').pop() ?? text;
}
