/** Garbage collection of the cluster registry, as data: the read-only mode, the job, and reading its output. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blobDigestOfKey, buildRegistryGcJobSpec, parseGcOutput } from '../../src/core/registry-gc.ts';
import { buildRegistryDocument, buildRegistryServiceSpec, REGISTRY_LABEL } from '../../src/core/registry-spec.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const secrets = { config: { id: 'c1', name: 'futuswarm-registry-config-aaa' }, htpasswd: { id: 'h1', name: 'futuswarm-registry-htpasswd-bbb' } };

describe('the read-only registry', () => {
  it('refuses writes in its configuration, and only when asked', () => {
    const input = { port: 5000, httpSecret: 's', storage: { bucket: 'b', region: 'r', prefix: 'registry' } };
    type Doc = { storage: { maintenance: Record<string, unknown> } };
    const ro = buildRegistryDocument({ ...input, readOnly: true }) as Doc;
    const rw = buildRegistryDocument(input) as Doc;
    assert.deepEqual(ro.storage.maintenance.readonly, { enabled: true });
    assert.equal(rw.storage.maintenance.readonly, undefined);
    assert.deepEqual(ro.storage.maintenance.uploadpurging, rw.storage.maintenance.uploadpurging);
  });

  it('is marked on the service, and is another spec than the writable one', () => {
    const ro = buildRegistryServiceSpec('registry:3', secrets, { readOnlySince: '2026-01-02T03:04:05.000Z' });
    const rw = buildRegistryServiceSpec('registry:3', secrets);
    assert.equal(ro.Labels[REGISTRY_LABEL.readOnlySince], '2026-01-02T03:04:05.000Z');
    assert.equal(rw.Labels[REGISTRY_LABEL.readOnlySince], undefined);
    assert.notEqual(ro.Labels[REGISTRY_LABEL.specHash], rw.Labels[REGISTRY_LABEL.specHash]);
  });
});

describe('buildRegistryGcJobSpec', () => {
  it('runs garbage-collect once on the given node, with the registry\'s config and network, never deleting untagged manifests', () => {
    const spec = buildRegistryGcJobSpec({ image: 'registry:3', config: secrets.config, nodeId: 'node1', dryRun: false, id: 'abcd1234' });
    assert.equal(spec.Name, 'futuswarm-registry_gc_abcd1234');
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Command, ['/bin/registry', 'garbage-collect', '/run/secrets/futuswarm-registry.json']);
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Secrets.map((s) => [s.SecretID, s.File.Name, s.File.Mode]), [['c1', 'futuswarm-registry.json', 0o400]]);
    assert.deepEqual(spec.TaskTemplate.Placement.Constraints, ['node.id==node1']);
    assert.deepEqual(spec.TaskTemplate.Networks, [{ Target: 'host' }]);
    assert.deepEqual(spec.TaskTemplate.RestartPolicy, { Condition: 'none' });
    assert.deepEqual(spec.Mode, { Replicated: { Replicas: 1 } });
    assert.ok(!JSON.stringify(spec).includes('delete-untagged'));
    // The label is not the registry service's "true": nothing takes the job for the registry.
    assert.equal(spec.Labels[REGISTRY_LABEL.registry], 'gc');
  });

  it('passes --dry-run through', () => {
    const spec = buildRegistryGcJobSpec({ image: 'registry:3', config: secrets.config, nodeId: 'n', dryRun: true, id: 'x' });
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Command.slice(1, 3), ['garbage-collect', '--dry-run']);
  });
});

describe('parseGcOutput', () => {
  it('reads the counts and the digests of the blobs it deletes', () => {
    const report = parseGcOutput([
      'shop',
      `shop: marking manifest ${digest('a')} `,
      `shop: marking blob ${digest('b')}`,
      '',
      '2 blobs marked, 2 blobs and 1 manifests eligible for deletion',
      `blob eligible for deletion: ${digest('d')}`,
      `blob eligible for deletion: ${digest('c')}`,
      `shop: layer link eligible for deletion: ${digest('c')}`,
    ]);
    assert.deepEqual(report, { blobsMarked: 2, blobsDeleted: [digest('c'), digest('d')], manifestsDeleted: 1 });
  });

  it('an empty registry has nothing to delete', () => {
    assert.deepEqual(parseGcOutput(['', '0 blobs marked, 0 blobs and 0 manifests eligible for deletion']), { blobsMarked: 0, blobsDeleted: [], manifestsDeleted: 0 });
  });

  it('output that stops before the summary, or disagrees with it, is no report', () => {
    assert.equal(parseGcOutput(['shop', `shop: marking manifest ${digest('a')}`]), undefined);
    assert.equal(parseGcOutput(['1 blobs marked, 2 blobs and 0 manifests eligible for deletion', `blob eligible for deletion: ${digest('c')}`]), undefined);
  });
});

describe('blobDigestOfKey', () => {
  it('knows a blob\'s data object and nothing else', () => {
    const hex = 'e'.repeat(64);
    assert.equal(blobDigestOfKey(`registry/docker/registry/v2/blobs/sha256/ee/${hex}/data`), `sha256:${hex}`);
    assert.equal(blobDigestOfKey(`registry/docker/registry/v2/repositories/shop/_layers/sha256/${hex}/link`), undefined);
    assert.equal(blobDigestOfKey(`registry/docker/registry/v2/blobs/sha256/ee/${hex}/data.tmp`), undefined);
    assert.equal(blobDigestOfKey(`registry/docker/registry/v2/blobs/sha256/ee/${'z'.repeat(64)}/data`), undefined);
  });
});
