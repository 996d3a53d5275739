/** What a push through the agent's relay may ask of the registry, as data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRegistryRequest, manifestSize } from '../../src/core/push-scope.ts';

const D = `sha256:${'a'.repeat(64)}`;

describe('decideRegistryRequest', () => {
  const allowed: [string, string, string][] = [
    ['GET', '/v2/', '/v2/'],
    ['HEAD', '/v2', '/v2/'],
    ['HEAD', `/v2/shop/blobs/${D}`, `/v2/shop/blobs/${D}`],
    ['POST', '/v2/shop/blobs/uploads/', '/v2/shop/blobs/uploads/'],
    ['PATCH', '/v2/shop/blobs/uploads/3f1c-9a_b=?_state=xyz', '/v2/shop/blobs/uploads/3f1c-9a_b=?_state=xyz'],
    ['PUT', `/v2/shop/blobs/uploads/abc?digest=${D}`, `/v2/shop/blobs/uploads/abc?digest=${D}`],
    ['DELETE', '/v2/shop/blobs/uploads/abc', '/v2/shop/blobs/uploads/abc'],
    ['HEAD', '/v2/shop/manifests/1.4', '/v2/shop/manifests/1.4'],
    ['GET', '/v2/shop/tags/list', '/v2/shop/tags/list'],
    ['POST', `/v2/shop/blobs/uploads/?mount=${D}&from=shop`, `/v2/shop/blobs/uploads/?mount=${D}&from=shop`],
  ];
  for (const [method, url, path] of allowed) {
    it(`allows ${method} ${url}`, () => {
      const d = decideRegistryRequest(method, url, 'shop');
      assert.deepEqual(d.allow && d.path, path);
    });
  }

  it('marks a manifest upload with the reference it is pushed as', () => {
    assert.deepEqual(decideRegistryRequest('PUT', '/v2/shop/manifests/1.4', 'shop'), { allow: true, path: '/v2/shop/manifests/1.4', manifestPut: { reference: '1.4' } });
    assert.deepEqual(decideRegistryRequest('PUT', `/v2/shop/manifests/${D}`, 'shop'), { allow: true, path: `/v2/shop/manifests/${D}`, manifestPut: { reference: D } });
  });

  it('drops a cross-repository mount from another app: the layer is uploaded instead', () => {
    const d = decideRegistryRequest('POST', `/v2/shop/blobs/uploads/?mount=${D}&from=blog`, 'shop');
    assert.deepEqual(d, { allow: true, path: '/v2/shop/blobs/uploads/' });
  });

  const refused: [string, string, number][] = [
    ['GET', '/v2/_catalog', 403],
    ['HEAD', `/v2/blog/blobs/${D}`, 403],
    ['PUT', '/v2/blog/manifests/1', 403],
    ['GET', '/v2/shop/sub/manifests/1', 403],
    ['POST', '/v2/', 405],
    ['DELETE', `/v2/shop/manifests/${D}`, 405],
    ['DELETE', `/v2/shop/blobs/${D}`, 405],
    ['GET', '/v2/shop%2f..%2fblog/manifests/1', 403],
    ['GET', '/v2/shop/../blog/manifests/1', 403],
    ['GET', '/v2//blog/manifests/1', 403],
    ['GET', '/v2/shop/manifests/bad:ref', 403],
    ['GET', '/v2/shop/blobs/uploads/a/b', 405],
    ['GET', '/metrics', 403],
  ];
  for (const [method, url, status] of refused) {
    it(`refuses ${method} ${url} with ${status}`, () => {
      const d = decideRegistryRequest(method, url, 'shop');
      assert.equal(d.allow, false);
      assert.equal(!d.allow && d.status, status);
    });
  }
});

describe('manifestSize', () => {
  it('adds the config and the layers of an image manifest', () => {
    assert.equal(manifestSize({ config: { size: 10 }, layers: [{ size: 100 }, { size: 1000 }] }), 1110);
  });
  it('adds the manifests of an index, and ignores what is not a size', () => {
    assert.equal(manifestSize({ manifests: [{ size: 5 }, { size: -1 }, { size: 'x' }] }), 5);
    assert.equal(manifestSize('nope'), 0);
  });
});
