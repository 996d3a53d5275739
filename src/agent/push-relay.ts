/**
 * The agent's half of `app:push`: the caller's Docker connections, carried over one SSH channel
 * (src/relay-mux.ts), each spoken to as HTTP. Each request is checked against the app's repository (src/core/push-scope.ts), given
 * the registry's login (which never leaves the manager), and passed to the registry on this
 * node's loopback; answers stream back unchanged. A manifest the registry accepts is recorded
 * with who pushed it before the caller hears that it was accepted.
 */
import http from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { StreamMux } from '../relay-mux.ts';
import { decideRegistryRequest, manifestSize } from '../core/push-scope.ts';

/** Headers not passed on: hop-by-hop ones, and the caller's Authorization (the relay sets its own). */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'authorization']);
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface ManifestPush {
  digest: string;
  tag: string | undefined;
  size: number;
  mediaType: string;
}

export interface RelayOptions {
  app: string;
  input: Readable;
  output: Writable;
  registry: { host: string; port: number };
  /** `Basic …` for the registry's account. */
  authorization: string;
  onManifest(push: ManifestPush): Promise<void>;
}

/**
 * Serve HTTP on every stream the caller opens in the multiplexed channel (src/relay-mux.ts),
 * until the caller ends the channel.
 */
export function relayRegistry(o: RelayOptions): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 0 }, (req, res) => {
    void handle(o, agent, req, res);
  });
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      agent.destroy();
      server.close();
      resolve();
    };
    new StreamMux(o.input, o.output, (stream) => server.emit('connection', stream));
    o.input.on('end', finish);
    o.input.on('close', finish);
    o.input.on('error', finish);
  });
}

async function handle(o: RelayOptions, agent: http.Agent, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const decision = decideRegistryRequest(method, req.url ?? '/', o.app);
  if (!decision.allow) {
    req.resume();
    const body = JSON.stringify({ errors: [{ code: decision.code, message: decision.message }] });
    res.writeHead(decision.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!NOT_FORWARDED.has(name) && value !== undefined) headers[name] = value;
  }
  headers.authorization = o.authorization;
  const upstream = http.request({ host: o.registry.host, port: o.registry.port, method, path: decision.path, headers, agent });

  const manifest: Buffer[] = [];
  let manifestBytes = 0;
  if (decision.manifestPut) {
    req.on('data', (chunk: Buffer) => {
      manifestBytes += chunk.length;
      if (manifestBytes <= MAX_MANIFEST_BYTES) manifest.push(chunk);
    });
  }
  req.pipe(upstream);
  upstream.on('error', (e) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `the cluster registry did not answer: ${e.message}` }] });
    res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  upstream.on('response', async (answer) => {
    const status = answer.statusCode ?? 502;
    if (decision.manifestPut && status === 201) {
      const digest = String(answer.headers['docker-content-digest'] ?? '');
      const reference = decision.manifestPut.reference;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(manifest).toString('utf8'));
      } catch {
        parsed = undefined;
      }
      const mediaType = String(req.headers['content-type'] ?? (parsed as { mediaType?: string } | undefined)?.mediaType ?? '');
      if (/^sha256:[a-f0-9]{64}$/.test(digest)) {
        await o
          .onManifest({ digest, tag: reference.startsWith('sha256:') ? undefined : reference, size: manifestSize(parsed), mediaType })
          .catch((e: Error) => process.stderr.write(`futuswarm-agent: could not record the push of ${o.app}@${digest}: ${e.message}\n`));
      }
    }
    const out: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!NOT_FORWARDED.has(name) && value !== undefined) out[name] = value;
    }
    res.writeHead(status, answer.statusMessage, out);
    answer.pipe(res);
  });
}
