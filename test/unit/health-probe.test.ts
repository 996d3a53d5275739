/**
 * futuswarm-probe, the static HTTP health check that tasks get mounted: run the built binary
 * (npm run build) against real HTTP servers on loopback and read what it says.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('../../dist/probe/futuswarm-probe', import.meta.url));

function probe(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(PROBE, args, { timeout: 10_000 }, (error, stdout) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, out: stdout.trim() });
    });
  });
}

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('futuswarm-probe', () => {
  let http: Server;
  let silent: ReturnType<typeof createTcpServer>;
  let garbage: ReturnType<typeof createTcpServer>;
  let port = 0;
  let silentPort = 0;
  let garbagePort = 0;
  const seen: string[] = [];

  before(async () => {
    assert.ok(existsSync(PROBE), `${PROBE} is missing: run npm run build (it needs Go)`);
    http = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} host=${req.headers.host}`);
      if (req.url?.startsWith('/ok')) return res.writeHead(200).end('ok');
      if (req.url === '/moved') return res.writeHead(302, { location: '/ok' }).end();
      res.writeHead(503, 'Service Unavailable').end('db down');
    });
    silent = createTcpServer(() => undefined);
    garbage = createTcpServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
    [port, silentPort, garbagePort] = await Promise.all([listen(http), listen(silent), listen(garbage)]);
  });
  after(() => {
    http.close();
    silent.close();
    garbage.close();
  });

  it('passes on 2xx and 3xx and sends the path and query as given', async () => {
    assert.deepEqual(await probe(`http://127.0.0.1:${port}/ok?deep=1&x=%2F`), { code: 0, out: '' });
    assert.deepEqual(await probe(`http://127.0.0.1:${port}/moved`), { code: 0, out: '' });
    assert.ok(seen.includes(`GET /ok?deep=1&x=%2F host=127.0.0.1:${port}`), seen.join('\n'));
  });

  it('fails on an error status and says the URL and the answer', async () => {
    assert.deepEqual(await probe(`http://127.0.0.1:${port}/healthz`), { code: 1, out: `GET http://127.0.0.1:${port}/healthz answered 503 Service Unavailable` });
  });

  it('fails when nothing listens, and says so', async () => {
    const closed = createTcpServer();
    const free = await listen(closed);
    await new Promise((r) => closed.close(r));
    const r = await probe(`http://127.0.0.1:${free}/healthz`);
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`^GET http://127\\.0\\.0\\.1:${free}/healthz: connection refused \\(is the app listening on this port`));
  });

  it('gives up after its timeout', async () => {
    const started = Date.now();
    assert.deepEqual(await probe('-timeout', '0.5', `http://127.0.0.1:${silentPort}/healthz`), { code: 1, out: `GET http://127.0.0.1:${silentPort}/healthz: no answer within 500ms` });
    assert.ok(Date.now() - started < 5000);
  });

  it('says when the port speaks something else than HTTP', async () => {
    assert.deepEqual(await probe(`http://127.0.0.1:${garbagePort}/`), { code: 1, out: `GET http://127.0.0.1:${garbagePort}/: the answer is not HTTP: "SSH-2.0-OpenSSH_9.2"` });
  });

  it('-hold keeps running until SIGTERM (the one-off task of app:run -it), or its seconds pass', async () => {
    const held = execFile(PROBE, ['-hold', '60']);
    const ended = new Promise<number | null>((resolve) => held.on('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(held.exitCode, null, 'still holding');
    held.kill('SIGTERM');
    assert.equal(await ended, 0);
    assert.equal((await probe('-hold', '0.2')).code, 0);
    assert.equal((await probe('-hold', 'forever')).code, 2);
  });

  it('refuses a malformed call with exit 2', async () => {
    assert.equal((await probe()).code, 2);
    assert.equal((await probe('ftp://127.0.0.1:21/')).code, 2);
    assert.equal((await probe('-timeout', 'soon', `http://127.0.0.1:${port}/ok`)).code, 2);
  });
});
