/**
 * Thin adapter over Traefik's read-only HTTP API (`--api.insecure` on the unpublished
 * `traefik` entrypoint). Failures become FutuswarmErrors here.
 */
import { request } from 'node:http';
import { FutuswarmError } from '../core/errors.ts';

/** A router as GET /api/http/routers returns it (the fields futuswarm reads). */
export interface TraefikRouter {
  name: string;
  provider: string;
  service: string;
  rule: string;
  entryPoints?: string[];
  status: string;
  error?: string[];
  tls?: { certResolver?: string };
}

/** A service as GET /api/http/services returns it (the fields futuswarm reads). */
export interface TraefikService {
  name: string;
  provider: string;
  status: string;
  type?: string;
  error?: string[];
  loadBalancer?: {
    servers?: { url: string }[];
    healthCheck?: { path?: string; interval?: string; timeout?: string };
  };
  /** Server URL → "UP" | "DOWN", as the health checks see it. */
  serverStatus?: Record<string, string>;
}

export class TraefikApi {
  readonly base: string;
  private readonly timeoutMs: number;

  constructor(base: string, timeoutMs = 3000) {
    this.base = base.replace(/\/$/, '');
    this.timeoutMs = timeoutMs;
  }

  /** True when /ping answers 200 OK. */
  async ping(): Promise<boolean> {
    try {
      const r = await this.get('/ping');
      return r.status === 200;
    } catch {
      return false;
    }
  }

  async routers(): Promise<TraefikRouter[]> {
    return this.json<TraefikRouter[]>('/api/http/routers?per_page=1000');
  }

  async services(): Promise<TraefikService[]> {
    return this.json<TraefikService[]>('/api/http/services?per_page=1000');
  }

  async version(): Promise<{ Version: string }> {
    return this.json<{ Version: string }>('/api/version');
  }

  private async json<T>(path: string): Promise<T> {
    const r = await this.get(path);
    if (r.status !== 200) throw new FutuswarmError('unavailable', `the proxy API answered ${r.status} to GET ${path}`);
    try {
      return JSON.parse(r.body) as T;
    } catch {
      throw new FutuswarmError('unavailable', `the proxy API sent something that is not JSON for GET ${path}`);
    }
  }

  private get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${this.base}${path}`, { method: 'GET', timeout: this.timeoutMs, headers: { accept: 'application/json' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs}ms`)));
      req.on('error', (e) =>
        reject(new FutuswarmError('unavailable', `the proxy API at ${this.base} cannot be reached: ${e.message}`, {
          hint: 'futuswarm admin proxy:status shows whether the proxy runs; futuswarm admin proxy:deploy (re)starts it',
          cause: e,
        })),
      );
      req.end();
    });
  }
}
