/** Requests through the local cluster's proxy (loopback only), as a browser would send them. */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';

/** The host port scripts/local-cluster.sh has the proxy publish. */
export const PROXY_PORT = Number(process.env.FUTUSWARM_PROXY_PORT ?? 8080);
export const DOMAIN = 'apps.local.test';

export interface ProxyResponse {
  status: number;
  body: string;
}

/** GET http://127.0.0.1:<proxy port><path> with `Host: <host>`; a new connection each time. */
export function proxyGet(host: string, path = '/', timeoutMs = 5000): Promise<ProxyResponse> {
  return proxyRequest(host, path, { timeoutMs });
}

/** Any request through the proxy, with an optional text body. */
export function proxyRequest(host: string, path: string, options: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<ProxyResponse> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host };
    if (options.body !== undefined) headers['content-type'] = 'text/plain';
    const req = request(
      { host: '127.0.0.1', port: PROXY_PORT, path, method: options.method ?? 'GET', headers, agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs}ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The page title the sample images serve, e.g. "hello v2". */
export function titleOf(body: string): string | undefined {
  return /<title>([^<]*)<\/title>/.exec(body)?.[1];
}

/**
 * Polls until `check` accepts a response for `host`; returns how long that took (ms).
 * Throws with the last response when it does not happen within `withinMs`.
 */
export async function waitForProxy(host: string, check: (r: ProxyResponse) => boolean, withinMs: number): Promise<number> {
  const started = Date.now();
  let last = 'no response';
  while (Date.now() - started < withinMs) {
    try {
      const r = await proxyGet(host, '/', 2000);
      if (check(r)) return Date.now() - started;
      last = `${r.status} ${r.body.slice(0, 80)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${host} through the proxy: still "${last}" after ${withinMs}ms`);
}

/** Waits until no task of the service that Swarm is stopping still runs (old tasks linger for the stop grace period). */
export async function waitForStoppedTasks(service: string, withinMs = 60_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    // Asynchronously: a load running meanwhile must keep its pace.
    const { stdout: out } = await promisify(execFile)('docker', ['service', 'ps', service, '--filter', 'desired-state=shutdown', '--format', '{{.CurrentState}}'], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_API_VERSION: '1.41' },
    });
    if (!out.split('\n').some((s) => /^(Running|Starting)/.test(s))) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${service}: old tasks still running after ${withinMs}ms`);
}
