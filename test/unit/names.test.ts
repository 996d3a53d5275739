import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appName, commandOfOp, describeLockHolder, domainName, imageRepository, imageTag, registryHostName, registryOfRepository, splitImageReference } from '../../src/core/names.ts';

describe('app names', () => {
  for (const good of ['a', 'shop', 'shop-2', '9lives', 'x'.repeat(40)]) {
    it(`accepts ${good.slice(0, 12)}`, () => assert.equal(appName.parse(good), good));
  }
  for (const bad of ['', 'Shop', 'shop_2', '-shop', 'shop-', 'sh op', 'shop.com', 'x'.repeat(41), 'futuswarm-proxy', '../etc', 'a;rm -rf /']) {
    it(`rejects ${JSON.stringify(bad.slice(0, 12))}`, () => assert.equal(appName.safeParse(bad).success, false));
  }
});

describe('image references', () => {
  for (const good of ['acme/shop', 'localhost/hello', 'registry.example.com:5000/acme/shop', 'busybox', 'a/b/c', 'my_org/my-app']) {
    it(`accepts ${good}`, () => assert.equal(imageRepository.parse(good), good));
  }
  for (const bad of ['Acme/Shop', 'acme/shop:1', 'acme//shop', '/shop', 'shop/', 'acme/sh op', 'acme/shop@sha256:x', '$(id)']) {
    it(`rejects ${bad}`, () => assert.equal(imageRepository.safeParse(bad).success, false));
  }
  it('tags', () => {
    assert.equal(imageTag.safeParse('1.4').success, true);
    assert.equal(imageTag.safeParse('v1_2-rc.3').success, true);
    assert.equal(imageTag.safeParse('.hidden').success, false);
    assert.equal(imageTag.safeParse('a'.repeat(129)).success, false);
    assert.equal(imageTag.safeParse('1;2').success, false);
  });
  it('splits a full reference', () => {
    assert.deepEqual(splitImageReference('acme/shop:1.4'), { repository: 'acme/shop', tag: '1.4' });
    assert.deepEqual(splitImageReference('registry:5000/acme/shop'), { repository: 'registry:5000/acme/shop' });
    assert.deepEqual(splitImageReference('registry:5000/acme/shop:2'), { repository: 'registry:5000/acme/shop', tag: '2' });
    assert.deepEqual(splitImageReference(`acme/shop@sha256:${'a'.repeat(64)}`), { repository: 'acme/shop', digest: `sha256:${'a'.repeat(64)}` });
  });
});

describe('domain names', () => {
  it('lowercases and accepts host names', () => assert.equal(domainName.parse('Shop.Example.COM'), 'shop.example.com'));
  for (const bad of ['localhost', 'shop..example.com', '-a.example.com', 'a_b.example.com', 'exa mple.com']) {
    it(`rejects ${bad}`, () => assert.equal(domainName.safeParse(bad).success, false));
  }
});

describe('ops in the words of the commands', () => {
  it('names the command for an op, and what holds a lock', () => {
    assert.equal(commandOfOp('app.deploy'), 'app:deploy');
    assert.equal(commandOfOp('app.secrets.set'), 'app:secrets set');
    assert.equal(commandOfOp('whoami'), 'whoami');
    assert.equal(describeLockHolder({ op: 'app.lock', message: 'db migration' }), 'app:lock: "db migration"');
    assert.equal(describeLockHolder({ op: 'app.lock', message: null }), 'app:lock');
    assert.equal(describeLockHolder({ op: 'app.rollback' }), 'a running app:rollback');
  });
});

describe('registry hosts', () => {
  it('finds the registry an image reference names, as Docker reads it', () => {
    assert.equal(registryOfRepository('registry.example.com/acme/shop'), 'registry.example.com');
    assert.equal(registryOfRepository('127.0.0.1:5000/shop'), '127.0.0.1:5000');
    assert.equal(registryOfRepository('localhost/hello'), 'localhost');
    assert.equal(registryOfRepository('Registry.Example.com:443/x'), 'registry.example.com:443');
    // Docker Hub: a first component without a dot, a colon or "localhost" is a namespace.
    assert.equal(registryOfRepository('acme/shop'), undefined);
    assert.equal(registryOfRepository('shop'), undefined);
  });
  it('takes host[:port] only, lowercased', () => {
    assert.equal(registryHostName.parse('Registry.Example.com:5000'), 'registry.example.com:5000');
    for (const bad of ['https://registry.example.com', 'registry.example.com/path', 'not a host', 'host:port', '']) {
      assert.equal(registryHostName.safeParse(bad).success, false, bad);
    }
  });
});
