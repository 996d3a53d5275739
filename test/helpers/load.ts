/**
 * Steady load through the proxy while something happens (a deploy, a scale): requests at a
 * fixed rate, bounded in count and time, to 127.0.0.1 only. Counts non-2xx answers and
 * connection errors, and which version answered, in order.
 */
import { PROXY_PORT, proxyGet, titleOf } from './proxy.ts';

export interface LoadOptions {
  /** Host header: the app's host name. */
  host: string;
  /** Requests per second (default 50). */
  rate?: number;
  /** Hard limits, whichever comes first (defaults 12 000 requests, 240 s). */
  maxRequests?: number;
  maxSeconds?: number;
  /** Per-request timeout (default 5 s); a timeout counts as a failure. */
  timeoutMs?: number;
  /** What identifies the version that answered (default: the page title). */
  versionOf?: (body: string) => string | undefined;
}

export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  /** Non-2xx answers by status, and connection errors by code. */
  failures: Record<string, number>;
  /** Consecutive answers by version, in the order they arrived: [["hello v1", 212], ["hello v2", 305]]. */
  runs: [string, number][];
  /** A bound was hit before stop() was called: the load did not cover the whole event. */
  truncated: boolean;
  seconds: number;
  /** The first few failures, with when they happened (ms after the start). */
  samples: string[];
}

export interface LoadRun {
  /** Stops sending, waits for the answers still on their way, and reports. */
  stop(): Promise<LoadReport>;
}

export function startLoad(options: LoadOptions): LoadRun {
  const rate = options.rate ?? 50;
  const maxRequests = options.maxRequests ?? 12_000;
  const maxMs = (options.maxSeconds ?? 240) * 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const versionOf = options.versionOf ?? titleOf;
  if (!Number.isFinite(PROXY_PORT)) throw new Error('FUTUSWARM_PROXY_PORT is not a port');

  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  const report: LoadReport = { sent: 0, ok: 0, failed: 0, failures: {}, runs: [], truncated: false, seconds: 0, samples: [] };
  // Answers are recorded in the order requests were sent, so the runs read as a timeline.
  const answers: (string | undefined)[] = [];
  let stopped = false;

  const fail = (key: string, at: number) => {
    report.failed++;
    report.failures[key] = (report.failures[key] ?? 0) + 1;
    if (report.samples.length < 10) report.samples.push(`${key} at ${at}ms`);
  };

  const send = () => {
    const index = report.sent++;
    const at = Date.now() - started;
    const p = proxyGet(options.host, '/', timeoutMs).then(
      (r) => {
        if (r.status >= 200 && r.status < 300) {
          report.ok++;
          answers[index] = versionOf(r.body) ?? '(unknown)';
        } else {
          fail(`HTTP ${r.status}`, at);
        }
      },
      (e: NodeJS.ErrnoException) => fail(e.code ?? e.message, at),
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  // A fixed schedule (not "every N ms after the last one"), so slow answers do not lower the rate.
  const interval = 1000 / rate;
  let next = started;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = Date.now();
    while (!stopped && next <= now) {
      if (report.sent >= maxRequests || now - started >= maxMs) {
        report.truncated = true;
        stopped = true;
        break;
      }
      send();
      next += interval;
    }
    if (!stopped) timer = setTimeout(tick, Math.max(0, next - Date.now()));
  };
  tick();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      report.seconds = (Date.now() - started) / 1000;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      for (const version of answers) {
        if (version === undefined) continue;
        const last = report.runs.at(-1);
        if (last && last[0] === version) last[1]++;
        else report.runs.push([version, 1]);
      }
      return report;
    },
  };
}

/**
 * One line for the test log: "sent 812, failed 0 in 16.2s; hello v1 ×301 → hello v2 ×511";
 * a stretch where versions alternate is summed up as "(mixed: hello v1 ×40, hello v2 ×41)".
 */
export function describeLoad(r: LoadReport): string {
  const show = ([v, n]: [string, number]) => `${v} ×${n}`;
  let runs: string;
  if (r.runs.length <= 4) {
    runs = r.runs.map(show).join(' → ');
  } else {
    const middle = new Map<string, number>();
    for (const [v, n] of r.runs.slice(1, -1)) middle.set(v, (middle.get(v) ?? 0) + n);
    const mixed = [...middle].map(show).join(', ');
    runs = `${show(r.runs[0] as [string, number])} → (mixed: ${mixed}) → ${show(r.runs.at(-1) as [string, number])}`;
  }
  const failures = Object.entries(r.failures).map(([k, n]) => `${k} ×${n}`).join(', ');
  return `sent ${r.sent}, failed ${r.failed}${failures ? ` (${failures})` : ''} in ${r.seconds.toFixed(1)}s; ${runs}`;
}
