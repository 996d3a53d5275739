/** Asks the local Docker Engine directly, to check what the CLI did (never to do it). */
import { execFileSync, spawnSync } from 'node:child_process';

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

/**
 * Remove the images a test made on this machine's engine: every name whose repository contains
 * `marker` (the test run's unique suffix), and then the images left without a name.
 */
export function removeImagesNamed(marker: string): void {
  const names = execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
    .split('\n')
    .filter((n) => n.includes(marker) && !n.endsWith(':<none>'));
  const ids = execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}} {{.ID}}'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.split(' ')[0]?.includes(marker))
    .map((line) => line.split(' ')[1] ?? '');
  // Best effort: an image may be gone with its last name already, or still used by a stopping task.
  for (const ref of [...names, ...new Set(ids)]) {
    if (ref) spawnSync('docker', ['image', 'rm', '-f', ref], { stdio: 'ignore' });
  }
}

/** Remove containers carrying `label` (key=value) that an earlier run left, so a test sees only its own. */
export function removeContainersLabelled(label: string): void {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (ids.length > 0) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}
