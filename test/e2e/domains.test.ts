/**
 * Extra host names: routed through the real proxy, unique across apps, released on purge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localSandbox, type CliSandbox } from '../helpers/cli.ts';
import { rigUserKeyFile } from '../helpers/ldap.ts';
import { serviceVersion } from '../helpers/docker.ts';
import { DOMAIN, proxyGet, titleOf, waitForProxy } from '../helpers/proxy.ts';
import { removeApps } from '../helpers/cleanup.ts';

const SHOP = 'dm-shop';
const BLOG = 'dm-blog';
const HOST = `shop-${Date.now().toString(36)}.example.test`;

describe('app domains', () => {
  let cli: CliSandbox;
  before(async () => {
    cli = await localSandbox();
    await removeApps(cli, SHOP, BLOG);
    const shop = await cli.run(['app:deploy', '-n', SHOP, '-i', 'localhost/hello', '-t', '1', '--port', '8000', '--health-path', '/healthz']);
    assert.equal(shop.code, 0, shop.stderr);
    const blog = await cli.run(['app:deploy', '-n', BLOG, '-i', 'localhost/hello', '-t', '2', '--port', '8000', '--health-path', '/healthz']);
    assert.equal(blog.code, 0, blog.stderr);
  });
  after(async () => {
    await removeApps(cli, SHOP, BLOG);
  });

  it('routes an added host name to the app, next to its default name', async () => {
    const r = await cli.json<{ hosts: string[] }>(['app:domains', 'add', '-n', SHOP, HOST]);
    assert.deepEqual(r.hosts, [`${SHOP}.${DOMAIN}`, HOST]);
    await waitForProxy(HOST, (res) => res.status === 200 && titleOf(res.body) === 'hello v1', 4000);
    assert.equal(titleOf((await proxyGet(`${SHOP}.${DOMAIN}`)).body), 'hello v1');
    assert.equal(titleOf((await proxyGet(`${BLOG}.${DOMAIN}`)).body), 'hello v2');
    const inspect = await cli.json<{ domains: string[] }>(['app:inspect', '-n', SHOP]);
    assert.deepEqual(inspect.domains, [`${SHOP}.${DOMAIN}`, HOST]);
  });

  it('refuses a host name another app uses, and changes nothing', async () => {
    const version = serviceVersion(BLOG);
    const r = await cli.run(['app:domains', 'add', '-n', BLOG, HOST]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`error: ${HOST.replaceAll('.', '\\.')} is already used by the app ${SHOP}`));
    assert.match(r.stderr, /hint: remove it there first: futuswarm app:domains remove -n dm-shop/);
    assert.equal(serviceVersion(BLOG), version);
    assert.equal(titleOf((await proxyGet(HOST)).body), 'hello v1');
  });

  it('refuses names under the cluster domain and malformed names', async () => {
    const under = await cli.run(['app:domains', 'add', '-n', SHOP, `other.${DOMAIN}`]);
    assert.equal(under.code, 2);
    assert.match(under.stderr, /is under the cluster domain/);
    const bad = await cli.run(['app:domains', 'add', '-n', SHOP, 'not a host']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /must be a host name/);
  });

  it('the bare cluster domain goes to an app only by an admin; an owner is refused and nothing changes', async () => {
    const alice = await localSandbox({ identityFile: rigUserKeyFile('alice') });
    assert.equal((await cli.run(['app:owners', 'add', '-n', SHOP, 'alice'])).code, 0);
    const version = serviceVersion(SHOP);
    const refused = await alice.run(['app:domains', 'add', '-n', SHOP, DOMAIN]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`error: ${DOMAIN.replaceAll('.', '\\.')} is the cluster domain itself; only an admin may give it to an app`));
    assert.equal(serviceVersion(SHOP), version);
    const given = await cli.json<{ hosts: string[] }>(['app:domains', 'add', '-n', SHOP, DOMAIN]);
    assert.ok(given.hosts.includes(DOMAIN), JSON.stringify(given));
    await waitForProxy(DOMAIN, (res) => res.status === 200 && titleOf(res.body) === 'hello v1', 4000);
    assert.equal((await cli.run(['app:domains', 'remove', '-n', SHOP, DOMAIN])).code, 0);
    assert.equal((await cli.run(['app:owners', 'remove', '-n', SHOP, 'alice'])).code, 0);
  });

  it('a removed host name stops routing and becomes free for another app', async () => {
    const r = await cli.json<{ hosts: string[] }>(['app:domains', 'remove', '-n', SHOP, HOST]);
    assert.deepEqual(r.hosts, [`${SHOP}.${DOMAIN}`]);
    await waitForProxy(HOST, (res) => res.status === 404, 4000);
    const taken = await cli.json<{ hosts: string[] }>(['app:domains', 'add', '-n', BLOG, HOST]);
    assert.deepEqual(taken.hosts, [`${BLOG}.${DOMAIN}`, HOST]);
    await waitForProxy(HOST, (res) => res.status === 200 && titleOf(res.body) === 'hello v2', 4000);
  });
});
