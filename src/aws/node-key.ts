/**
 * The cluster's node key on the admin side: `cluster:bootstrap` makes it once, before any node
 * boots, because every node's agent config carries its public half. It is made and sealed by
 * the same code the agent reads it with (src/state/cluster-secrets.ts), through the same S3 and
 * KMS adapters, so managers open it exactly as it was written. The private half exists only on
 * this machine while it is sealed (ssh-keygen in a private temporary directory) and in the
 * state bucket.
 */
import type { ResolvedOf, ResourceIds } from '../core/plan-resources.ts';
import { FutuswarmError } from '../core/errors.ts';
import { NODE_KEY_OBJECT_KEY } from '../core/plan-names.ts';

export async function ensureNodeKey(region: string, spec: ResolvedOf<'node-key'>): Promise<ResourceIds> {
  // Loaded on first use: only bootstrap needs the state code and ssh-keygen.
  const [{ ClusterSecrets }, { s3ObjectStore }, { kmsKeyService }, { generateEd25519KeyPair }] = await Promise.all([
    import('../state/cluster-secrets.ts'),
    import('./state-store.ts'),
    import('./kms.ts'),
    import('../ssh/keygen.ts'),
  ]);
  if (spec.key !== NODE_KEY_OBJECT_KEY) throw new FutuswarmError('internal', `the node key is at ${NODE_KEY_OBJECT_KEY}, not ${spec.key}`);
  const secrets = new ClusterSecrets({ cluster: spec.cluster, store: s3ObjectStore(spec.bucket, { region }), keys: kmsKeyService(spec.encryptionKey, { region }) });
  // An existing key is kept: running nodes trust it, and ensureNodeKey never replaces one.
  const { publicKey } = await secrets.ensureNodeKey(() => generateEd25519KeyPair(spec.comment));
  return { id: spec.key, publicKey };
}
