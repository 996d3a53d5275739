/**
 * The socket the proxy reads Docker through: the resident agent's, next to its own socket
 * (`<daemon socket dir>/docker/docker.sock`, bind-mounted read-only into the proxy's tasks). It
 * passes on to the engine only the reads of src/core/proxy-docker-access.ts, and takes the
 * containers' environments out of services and tasks, so the proxy neither changes anything nor
 * sees an app's secrets. Anything else gets 403 with a JSON message, as Docker words errors.
 */
import { chmodSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { carriesEnvironment, proxyMayRead, withoutEnvironment } from '../core/proxy-docker-access.ts';

/** Where the daemon whose socket is `daemonSocket` serves the proxy's Docker socket. */
export function proxyDockerSocketPath(daemonSocket: string): string {
  return join(dirname(daemonSocket), 'docker', 'docker.sock');
}

/** Largest answer whose environments are taken out (services and tasks of a big cluster fit). */
const MAX_FILTERED_BYTES = 64 << 20;

function refuse(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function forward(engineSocket: string, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const upstream = request({ socketPath: engineSocket, method: req.method, path: url, headers: { ...req.headers, host: 'docker' } }, (answer) => {
    const status = answer.statusCode ?? 502;
    if (!carriesEnvironment(url) || status !== 200 || req.method === 'HEAD') {
      res.writeHead(status, answer.headers);
      answer.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    answer.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FILTERED_BYTES) {
        answer.destroy();
        refuse(res, 502, `futuswarm: Docker's answer to ${url} is over ${MAX_FILTERED_BYTES} bytes`);
        return;
      }
      chunks.push(c);
    });
    answer.on('end', () => {
      if (res.headersSent) return;
      try {
        const body = JSON.stringify(withoutEnvironment(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } catch {
        refuse(res, 502, `futuswarm: Docker's answer to ${url} is not JSON`);
      }
    });
  });
  upstream.on('error', (e) => {
    if (!res.headersSent) refuse(res, 502, `futuswarm: Docker does not answer: ${e.message}`);
    else res.destroy();
  });
  req.pipe(upstream);
}

/**
 * Serve the proxy's socket at `path`: bound under a temporary name, then renamed into place, so
 * a daemon taking over from another replaces the socket without a moment where there is none.
 */
export async function serveProxyDockerSocket(path: string, engineSocket: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (!proxyMayRead(req.method, req.url)) {
      refuse(res, 403, `futuswarm: the proxy may only read services, tasks, networks and nodes; ${req.method ?? '?'} ${req.url ?? '?'} is refused`);
      req.resume();
      return;
    }
    forward(engineSocket, req, res);
  });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const bound = `${path}.${process.pid}`;
  rmSync(bound, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bound, () => resolve());
  });
  chmodSync(bound, 0o600);
  renameSync(bound, path);
  return server;
}
