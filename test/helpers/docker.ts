/** Asks the local Docker Engine directly, to check what the CLI did (never to do it). */
import { execFileSync } from 'node:child_process';

export function dockerJson<T = unknown>(args: readonly string[]): T {
  return JSON.parse(execFileSync('docker', [...args], { encoding: 'utf8', env: { ...process.env, DOCKER_API_VERSION: '1.41' } })) as T;
}

export function serviceExists(name: string): boolean {
  const out = execFileSync('docker', ['service', 'ls', '--filter', `name=${name}`, '--format', '{{.Name}}'], { encoding: 'utf8', env: { ...process.env, DOCKER_API_VERSION: '1.41' } });
  return out.split('\n').includes(name);
}

export function removeServiceIfExists(name: string): void {
  if (serviceExists(name)) execFileSync('docker', ['service', 'rm', name], { env: { ...process.env, DOCKER_API_VERSION: '1.41' }, stdio: 'ignore' });
}

/** The spec version of a service: unchanged means nobody touched it. */
export function serviceVersion(name: string): number {
  const [svc] = dockerJson<{ Version: { Index: number } }[]>(['service', 'inspect', name]);
  return svc?.Version.Index ?? -1;
}
