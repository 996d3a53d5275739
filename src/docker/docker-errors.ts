/**
 * Docker failures become FutuswarmErrors here, once, for every module of src/docker; nothing
 * above this folder sees a dockerode error.
 */
import { FutuswarmError } from '../core/errors.ts';

export function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'statusCode' in e ? Number((e as { statusCode: unknown }).statusCode) : undefined;
}

export async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw translate(e);
  }
}

export function translate(e: unknown): FutuswarmError {
  if (e instanceof FutuswarmError) return e;
  const status = statusOf(e);
  const json = (e as { json?: { message?: string } }).json;
  const message = json?.message ?? (e as Error).message ?? String(e);
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno === 'ENOENT' || errno === 'ECONNREFUSED' || errno === 'EACCES') {
    return new FutuswarmError('unavailable', `the Docker Engine on this manager cannot be reached (${errno})`, {
      hint: 'an admin should check that dockerd runs and that the futuswarm account is in the docker group',
      cause: e,
    });
  }
  if (status === 404) return new FutuswarmError('not_found', `docker: ${message}`, { cause: e });
  // Swarm objects are updated with the version read; another writer in between is a lost race.
  if (status === 409 || /update out of sequence/i.test(message)) {
    return new FutuswarmError('conflict', `docker: ${message}`, { hint: 'someone changed it at the same time; run the command again', cause: e });
  }
  if (status === 503) return new FutuswarmError('unavailable', `docker: ${message}`, { hint: 'is this node a swarm manager? (docker swarm init)', cause: e });
  if (status === 400) return new FutuswarmError('invalid_input', `docker refused the request: ${message}`, { cause: e });
  return new FutuswarmError('docker', `docker: ${message}`, { cause: e });
}
