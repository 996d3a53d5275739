/** The cluster registry's configuration and service spec, as data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRegistryDocument, buildRegistryServiceSpec, registrySecretName, REGISTRY_LABEL } from '../../src/core/registry-spec.ts';

describe('buildRegistryDocument', () => {
  it('listens on loopback only, with htpasswd auth, S3 storage under the prefix, deletes enabled and no redirects', () => {
    const doc = buildRegistryDocument({ port: 5000, httpSecret: 's'.repeat(40), storage: { bucket: 'b', region: 'eu-north-1', prefix: 'registry' } }) as {
      http: { addr: string; secret: string; relativeurls: boolean };
      auth: { htpasswd: { path: string } };
      storage: { s3: Record<string, unknown>; delete: { enabled: boolean }; redirect: { disable: boolean } };
    };
    assert.equal(doc.http.addr, '127.0.0.1:5000');
    assert.equal(doc.http.relativeurls, true);
    assert.equal(doc.auth.htpasswd.path, '/run/secrets/futuswarm-registry.htpasswd');
    assert.deepEqual(doc.storage.s3, { region: 'eu-north-1', bucket: 'b', rootdirectory: '/registry' });
    assert.equal(doc.storage.delete.enabled, true);
    assert.equal(doc.storage.redirect.disable, true);
  });

  it('takes an S3-compatible endpoint and static keys (a test double); the instance role otherwise', () => {
    const doc = buildRegistryDocument({
      port: 5001,
      httpSecret: 'x',
      storage: { bucket: 'b', region: 'r', prefix: 'p', endpoint: 'http://127.0.0.1:5055', credentials: { accessKey: 'a', secretKey: 'k' } },
    }) as { storage: { s3: Record<string, unknown> } };
    assert.deepEqual(doc.storage.s3, {
      region: 'r', bucket: 'b', rootdirectory: '/p', regionendpoint: 'http://127.0.0.1:5055', forcepathstyle: true, secure: false, accesskey: 'a', secretkey: 'k',
    });
  });
});

describe('buildRegistryServiceSpec', () => {
  const secrets = { config: { id: 'c1', name: 'futuswarm-registry-config-abc' }, htpasswd: { id: 'h1', name: 'futuswarm-registry-htpasswd-def' } };

  it('runs one task per node on the host network, configured from two secrets only root reads', () => {
    const spec = buildRegistryServiceSpec('registry:3', secrets);
    assert.deepEqual(spec.Mode, { Global: {} });
    assert.deepEqual(spec.TaskTemplate.Networks, [{ Target: 'host' }]);
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Command, ['/bin/registry', 'serve', '/run/secrets/futuswarm-registry.json']);
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Secrets.map((s) => [s.SecretID, s.File.Name, s.File.Mode]), [
      ['c1', 'futuswarm-registry.json', 0o400],
      ['h1', 'futuswarm-registry.htpasswd', 0o400],
    ]);
    assert.equal(spec.UpdateConfig.Order, 'stop-first', 'two instances cannot hold one node\'s port');
  });

  it('hashes the spec, so a changed configuration is an update and an unchanged one is not', () => {
    const a = buildRegistryServiceSpec('registry:3', secrets);
    assert.equal(a.Labels[REGISTRY_LABEL.specHash], buildRegistryServiceSpec('registry:3', secrets).Labels[REGISTRY_LABEL.specHash]);
    assert.notEqual(a.Labels[REGISTRY_LABEL.specHash], buildRegistryServiceSpec('registry:3', { ...secrets, config: { id: 'c2', name: 'futuswarm-registry-config-xyz' } }).Labels[REGISTRY_LABEL.specHash]);
  });

  it('names secrets by their content', () => {
    assert.equal(registrySecretName('config', 'a'), registrySecretName('config', 'a'));
    assert.notEqual(registrySecretName('config', 'a'), registrySecretName('config', 'b'));
    assert.match(registrySecretName('htpasswd', 'a'), /^futuswarm-registry-htpasswd-[0-9a-f]{12}$/);
  });
});
