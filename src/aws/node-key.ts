/**
 * The cluster's node key on the admin side: `cluster:bootstrap` makes it once, before any node
 * boots, because every node's agent config carries its public half. It is made and sealed by
 * the agent's own repository (AppState.ensureNodeKey), through the same S3 and KMS adapters the
 * agent uses, so managers open it exactly as it was written. The private half exists only on
 * this machine while it is sealed (ssh-keygen in a private temporary directory) and in the
 * state bucket.
 */
import type { ResolvedOf, ResourceIds } from '../core/plan-bootstrap.ts';
import { FutuswarmError } from '../core/errors.ts';

export async function ensureNodeKey(region: string, spec: ResolvedOf<'node-key'>): Promise<ResourceIds> {
  // Loaded on first use: only bootstrap needs the agent's repository and ssh-keygen.
  const [{ AppState, stateKeys }, { s3ObjectStore }, { kmsKeyService }, { generateEd25519KeyPair }] = await Promise.all([
    import('../agent/app-state.ts'),
    import('./state-store.ts'),
    import('./kms.ts'),
    import('../ssh/keygen.ts'),
  ]);
  if (spec.key !== stateKeys.nodeKey) throw new FutuswarmError('internal', `the node key is at ${stateKeys.nodeKey}, not ${spec.key}`);
  const state = new AppState({ cluster: spec.cluster, store: s3ObjectStore(spec.bucket, { region }), keys: kmsKeyService(spec.encryptionKey, { region }) });
  // An existing key is kept: running nodes trust it, and ensureNodeKey never replaces one.
  const { publicKey } = await state.ensureNodeKey(() => generateEd25519KeyPair(spec.comment));
  return { id: spec.key, publicKey };
}
