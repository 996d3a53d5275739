/**
 * What `admin cluster:destroy` removes, and in which order: dependents before what they
 * depend on; data (the state bucket and its key) only when asked. Pure.
 */
import type { ObservedCluster, ResourceKind } from './plan-resources.ts';
/** Kinds in the order destroy removes them: first what depends on others. */
export const DESTROY_ORDER: readonly ResourceKind[] = [
  'state-object',
  'agent-bundle',
  'listener',
  'load-balancer',
  'target-group',
  'certificate',
  'instance',
  // Only once no node can use it any more; a cluster built again gets a new one.
  'node-key',
  'launch-template',
  'db-instance',
  'db-subnet-group',
  'cache-subnet-group',
  'instance-profile',
  'iam-role',
  'security-group-rules',
  'security-group',
  'route-table',
  'internet-gateway',
  'subnet',
  'vpc',
  'secret-object',
  'kms-alias',
  's3-bucket',
  'kms-key',
];

/** Kept unless the admin asks to delete data: the bucket holds app secrets, the key decrypts them. */
const DATA_KINDS: ReadonlySet<ResourceKind> = new Set(['s3-bucket', 'kms-key', 'kms-alias', 'secret-object']);

export interface DestroyStep {
  kind: ResourceKind;
  name: string;
  id: string;
  action: 'delete' | 'keep';
  reason: string;
}

export function planDestroy(observed: ObservedCluster, options: { deleteData: boolean }): DestroyStep[] {
  const ours = observed.resources.filter((o) => o.foreign === undefined);
  const rank = (k: ResourceKind) => DESTROY_ORDER.indexOf(k);
  return [...ours]
    .sort((a, b) => rank(a.kind) - rank(b.kind) || a.name.localeCompare(b.name))
    .map((o) => {
      const keep = DATA_KINDS.has(o.kind) && !options.deleteData;
      return {
        kind: o.kind,
        name: o.name,
        id: o.id,
        action: keep ? 'keep' : 'delete',
        reason: keep ? 'holds app data (cluster:destroy --delete-data removes it)' : 'created by bootstrap',
      };
    });
}
