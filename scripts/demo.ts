/**
 * `npm run demo`: after `cluster:up`, build examples/hello with the local Docker and deploy it
 * to the local cluster with the real CLI (`app:deploy --build`), show its status, its image in
 * the cluster registry and its URL, and fetch it through the proxy when one runs.
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';

const cli = (args: string[], inherit = true) =>
  spawnSync(process.execPath, ['bin/futuswarm.cjs', '--context', 'local', ...args], { stdio: inherit ? 'inherit' : 'pipe', encoding: 'utf8' });

function step(title: string, args: string[]): void {
  process.stdout.write(`\n$ futuswarm ${args.join(' ')}\n`);
  const r = cli(args);
  if (r.status !== 0) {
    process.stderr.write(`\n${title} failed (exit ${r.status}).\n`);
    process.exit(r.status ?? 1);
  }
}

step('deploy', ['app:deploy', '-n', 'hello', '--build', 'examples/hello', '--port', '8000', '--replicas', '2', '--health-path', '/healthz']);
step('list', ['app:list']);
step('inspect', ['app:inspect', '-n', 'hello']);
step('images', ['app:images', '-n', 'hello']);

const proxyPort = Number(process.env.FUTUSWARM_PROXY_PORT ?? 8080);
const body = await new Promise<string | undefined>((resolve) => {
  const req = request({ host: '127.0.0.1', port: proxyPort, path: '/', headers: { Host: 'hello.apps.local.test' }, timeout: 3000 }, (res) => {
    let text = '';
    res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(res.statusCode === 200 ? text : undefined));
  });
  req.on('error', () => resolve(undefined)).on('timeout', () => req.destroy());
  req.end();
});
process.stdout.write('\n');
if (body !== undefined) {
  const title = /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? body.trim().slice(0, 80);
  process.stdout.write(`http://hello.apps.local.test answers through the proxy on 127.0.0.1:${proxyPort}: "${title}"\n`);
  process.stdout.write(`Try it: curl -H 'Host: hello.apps.local.test' http://127.0.0.1:${proxyPort}/\n`);
} else {
  process.stdout.write(`hello is deployed; no proxy answered on 127.0.0.1:${proxyPort}.\n`);
}
