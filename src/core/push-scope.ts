/**
 * What a push through the agent's relay may ask of the cluster registry: the registry API for
 * the app's own repository and nothing else (no catalog, no other repository, no deletes of
 * manifests). Decided per HTTP request, as data; the relay adds the registry's login only to
 * requests this allows.
 */

export type RelayDecision =
  | {
      allow: true;
      /** Path and query to send upstream (a cross-repository mount from elsewhere is dropped). */
      path: string;
      /** Set for a manifest upload: the tag or digest it is pushed as. */
      manifestPut?: { reference: string };
    }
  | { allow: false; status: 403 | 404 | 405; code: 'DENIED' | 'NAME_UNKNOWN' | 'UNSUPPORTED'; message: string };

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const UPLOAD_ID = /^[A-Za-z0-9_=-]{1,200}$/;

export function decideRegistryRequest(method: string, url: string, app: string): RelayDecision {
  const denied = (message: string): RelayDecision => ({ allow: false, status: 403, code: 'DENIED', message });
  // Encoded separators or dot segments could name another repository after decoding.
  if (/%2f|%2e|%5c|\\/i.test(url) || url.includes('/../') || url.includes('/./') || url.includes('//')) {
    return denied('malformed path');
  }
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://registry.invalid');
  } catch {
    return denied('malformed path');
  }
  const path = parsed.pathname;
  const read = method === 'GET' || method === 'HEAD';
  if (path === '/v2/' || path === '/v2') return read ? { allow: true, path: '/v2/' } : unsupported(method, path);

  const m = /^\/v2\/([a-z0-9._-]+(?:\/[a-z0-9._-]+)*?)\/(manifests|blobs|tags)\/(.*)$/.exec(path);
  if (!m) return denied(`this push may use only the repository ${app}`);
  const [, name, kind, rest = ''] = m;
  if (name !== app) return denied(`this push may use only the repository ${app}, not ${name}`);
  const keep = (query = parsed.search): RelayDecision => ({ allow: true, path: `${path}${query}` });

  if (kind === 'manifests') {
    if (!DIGEST.test(rest) && !TAG.test(rest)) return denied('malformed manifest reference');
    if (read) return keep();
    if (method === 'PUT') return { allow: true, path: `${path}${parsed.search}`, manifestPut: { reference: rest } };
    return unsupported(method, path);
  }
  if (kind === 'tags') return rest === 'list' && read ? keep() : unsupported(method, path);

  // blobs
  if (DIGEST.test(rest)) return read ? keep() : unsupported(method, path);
  if (rest === 'uploads/' && method === 'POST') {
    const from = parsed.searchParams.get('from');
    if (parsed.searchParams.has('mount') && from !== app) {
      // A layer of another app's repository is not this caller's to reuse: upload it instead.
      const query = new URLSearchParams(parsed.searchParams);
      query.delete('mount');
      query.delete('from');
      const rebuilt = query.toString();
      return keep(rebuilt ? `?${rebuilt}` : '');
    }
    return keep();
  }
  const upload = /^uploads\/([^/]+)$/.exec(rest);
  if (upload && UPLOAD_ID.test(upload[1] ?? '') && ['GET', 'HEAD', 'PATCH', 'PUT', 'DELETE'].includes(method)) return keep();
  return unsupported(method, path);
}

function unsupported(method: string, path: string): RelayDecision {
  return { allow: false, status: 405, code: 'UNSUPPORTED', message: `${method} ${path} is not part of a push` };
}

/** Bytes a manifest names: config and layers, or the manifests of an index. */
export function manifestSize(manifest: unknown): number {
  const sizes = (list: unknown): number =>
    Array.isArray(list) ? list.reduce<number>((sum, d) => sum + (typeof d?.size === 'number' && d.size >= 0 ? d.size : 0), 0) : 0;
  if (manifest === null || typeof manifest !== 'object') return 0;
  const m = manifest as { config?: { size?: unknown }; layers?: unknown; manifests?: unknown };
  const config = typeof m.config?.size === 'number' && m.config.size >= 0 ? m.config.size : 0;
  return config + sizes(m.layers) + sizes(m.manifests);
}
