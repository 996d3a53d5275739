/** A cluster file and what AWS would report, for the pure tests of the bootstrap plan (test/unit/plan-*.test.ts). */
import { parseClusterConfig, type ClusterFileInput } from '../../src/config/cluster-file.ts';
import { agentBundleFiles } from '../../src/core/agent-bundle.ts';
import { type DesiredResource, type ObservedCluster, type ObservedResource, resolveRefs, type ResourceIds } from '../../src/core/plan-resources.ts';
import { comparableFields } from '../../src/core/plan-bootstrap.ts';

// Enough of a template for user data to have the node key's place, as the real ones do.
const templates = { manager: '#cloud-config\n{{agentYaml}}\n', worker: '#cloud-config\n{{agentYaml}}\n', swarmJoin: '', sshdConfig: '', installAgent: '', nodeRegister: '', agentUnit: '' };
export const ACCOUNT = '123456789012';
const agentBundle = { contentHash: 'sha256:aaaa', files: agentBundleFiles({ agentFiles: [{ path: 'agent.js', file: '/pkg/dist/agent/agent.js' }], nodeBinary: '/usr/bin/node', probeBinary: '/pkg/dist/probe/futuswarm-probe', relayBinary: '/pkg/dist/relay/futuswarm-relay' }) };
export const facts = { accountId: ACCOUNT, availabilityZones: ['eu-north-1c', 'eu-north-1a', 'eu-north-1b'], templates, agentBundle };

export function config(overrides: Partial<ClusterFileInput> = {}) {
  return parseClusterConfig({
    name: 'prod',
    region: 'eu-north-1',
    domain: 'apps.example.com',
    network: { sshCidrs: ['203.0.113.0/24'] },
    nodes: { workers: 1, image: { id: 'ami-0123456789abcdef0' } },
    access: { admins: ['alice'], users: { alice: { keys: [] } } },
    ...overrides,
  });
}

export const empty: ObservedCluster = { accountId: ACCOUNT, availabilityZones: facts.availabilityZones, resources: [], appResources: [] };

/** What AWS would report if every desired resource existed exactly as planned (minus `missing`). */
export function observedFrom(desired: DesiredResource[], missing: string[] = []): ObservedCluster {
  const ids: Record<string, ResourceIds> = {};
  for (const d of desired) ids[d.name] = { id: `id-${d.name}`, arn: `arn-${d.name}`, dnsName: `${d.name}.elb.example` };
  const resources = desired
    .filter((d) => !missing.includes(d.name))
    .map((d): ObservedResource => {
      const f = comparableFields(resolveRefs(d, ids));
      return { kind: d.kind, name: d.name, id: ids[d.name]!.id, arn: ids[d.name]!.arn!, dnsName: ids[d.name]!.dnsName!, props: { ...f.replace, ...f.update } };
    });
  return { ...empty, resources };
}

