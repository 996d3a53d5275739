/**
 * Thin client of the Distribution (OCI) HTTP API with basic auth: what the agent asks a
 * registry itself (is it up, does this login work, delete a manifest). Pushes and pulls are
 * Docker's business; this never moves layers.
 */
import { FutuswarmError } from '../core/errors.ts';

export interface RegistryLogin {
  username: string;
  password: string;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export class RegistryClient {
  readonly #base: string;
  readonly #auth: string | undefined;
  readonly #timeoutMs: number;

  /** `base`: http(s)://host[:port], without a path. */
  constructor(base: string, login?: RegistryLogin, options: { timeoutMs?: number } = {}) {
    this.#base = base.replace(/\/+$/, '');
    this.#auth = login ? `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` : undefined;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async #request(method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
    try {
      return await fetch(`${this.#base}${path}`, {
        method,
        headers: { ...headers, ...(this.#auth ? { authorization: this.#auth } : {}) },
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'manual',
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new FutuswarmError('unavailable', `the registry at ${this.#base} does not answer: ${cause?.code ?? cause?.message ?? (e as Error).message}`, { cause: e });
    }
  }

  /**
   * `ok`, `unauthorized` (wrong login), or `token` (the registry wants a bearer token from
   * `realm`: a login is checked there).
   */
  async check(): Promise<{ status: 'ok' } | { status: 'unauthorized' } | { status: 'token'; realm: string; service?: string }> {
    const res = await this.#request('GET', '/v2/');
    await res.body?.cancel();
    if (res.ok) return { status: 'ok' };
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate') ?? '';
      const bearer = /^Bearer\s+(.*)$/i.exec(challenge);
      if (bearer && this.#auth) {
        const params = Object.fromEntries([...(bearer[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
        if (params.realm) return { status: 'token', realm: params.realm, ...(params.service ? { service: params.service } : {}) };
      }
      return { status: 'unauthorized' };
    }
    throw new FutuswarmError('unavailable', `the registry at ${this.#base} answered ${res.status} ${res.statusText} to GET /v2/`);
  }

  /** Delete a manifest by digest; false when it is already gone. */
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    const res = await this.#request('DELETE', `/v2/${repository}/manifests/${digest}`);
    await res.body?.cancel();
    if (res.status === 202 || res.ok) return true;
    if (res.status === 404) return false;
    throw new FutuswarmError('unavailable', `the registry refused to delete ${repository}@${digest}: ${res.status} ${res.statusText}`);
  }

  /**
   * The image's config (its `config` object: ExposedPorts, Env…) for linux/amd64; undefined
   * when the registry does not have it.
   */
  async imageConfig(repository: string, reference: string): Promise<Record<string, unknown> | undefined> {
    const json = async (path: string, accept: string): Promise<Record<string, unknown> | undefined> => {
      const res = await this.#request('GET', path, { accept });
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new FutuswarmError('unavailable', `the registry answered ${res.status} ${res.statusText} for ${repository}:${reference}`);
      }
      return (await res.json()) as Record<string, unknown>;
    };
    let manifest = await json(`/v2/${repository}/manifests/${reference}`, MANIFEST_TYPES);
    const platforms = manifest?.manifests as { digest: string; platform?: { os?: string; architecture?: string } }[] | undefined;
    if (platforms) {
      const chosen = platforms.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? platforms[0];
      manifest = chosen ? await json(`/v2/${repository}/manifests/${chosen.digest}`, MANIFEST_TYPES) : undefined;
    }
    const digest = (manifest?.config as { digest?: string } | undefined)?.digest;
    if (!digest) return undefined;
    const blob = await json(`/v2/${repository}/blobs/${digest}`, 'application/json, */*');
    return blob?.config as Record<string, unknown> | undefined;
  }

  /** Whether the repository has the manifest (tag or digest). */
  async hasManifest(repository: string, reference: string): Promise<boolean> {
    const res = await this.#request('HEAD', `/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_TYPES });
    await res.body?.cancel();
    if (res.ok) return true;
    if (res.status === 404) return false;
    throw new FutuswarmError('unavailable', `the registry answered ${res.status} ${res.statusText} for ${repository}:${reference}`);
  }
}

/** Ask a token realm for a token with this login: how a login to a token-auth registry is checked. */
export async function checkTokenLogin(realm: string, service: string | undefined, login: RegistryLogin): Promise<boolean> {
  const url = new URL(realm);
  if (service) url.searchParams.set('service', service);
  const res = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` },
    signal: AbortSignal.timeout(10_000),
  });
  await res.body?.cancel();
  return res.ok;
}
