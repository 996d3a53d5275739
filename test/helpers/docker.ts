/**
 * Asks the local Docker Engine directly, to check what the CLI did (never to do it), and builds
 * the images tests deploy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  const refs = execFileSync('docker', ['image', 'ls', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([repository]) => repository?.includes(marker))
    // By name, never by image ID: the same image may also be a sample (localhost/hello:1) that
    // later tests use; removing its last name of ours leaves the others.
    .map(([repository, tag, digest]) => (tag && tag !== '<none>' ? `${repository}:${tag}` : digest && digest !== '<none>' ? `${repository}@${digest}` : ''));
  // Best effort: an image may be gone with its last name already, or still used by a stopping task.
  for (const ref of new Set(refs)) {
    if (ref) spawnSync('docker', ['image', 'rm', '-f', ref], { stdio: 'ignore' });
  }
}

/** Remove containers carrying `label` (key=value) that an earlier run left, so a test sees only its own. */
export function removeContainersLabelled(label: string): void {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (ids.length > 0) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}

/** A unique image built here from localhost/hello:1: no node has it before a test pushes it. */
export function buildUniqueImage(tag: string, marker: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'futuswarm-build-'));
  writeFileSync(join(dir, 'Dockerfile'), `FROM localhost/hello:1\nRUN echo ${marker} > /www/marker.txt\n`);
  execFileSync('docker', ['build', '-q', '-t', tag, dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

/** Polls until `check` holds, without blocking a load running meanwhile; returns the ms it took. */
export async function until(what: string, check: () => Promise<boolean> | boolean, withinMs = 60_000, everyMs = 500): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Whether the cluster registry (a global service) runs on the node: images reach it only through it. */
export function registryRunsOn(node: string): boolean {
  return execFileSync('docker', ['service', 'ps', 'futuswarm-registry', '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}'], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_API_VERSION: '1.41' },
  })
    .split('\n')
    .some((l) => l.startsWith(`${node} Running`));
}
