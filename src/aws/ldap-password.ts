/**
 * `admin cluster:ldap-password`: the admin stores the password the managers' agents bind to
 * LDAP with. It is sealed by the code the agent reads it with (src/state/cluster-secrets.ts) with
 * the cluster key, so managers open it exactly as it was written, and it never touches a
 * manager's disk.
 */
import type { ClusterConfig } from '../config/cluster-file.ts';
import { FutuswarmError } from '../core/errors.ts';
import { LDAP_BIND_PASSWORD_OBJECT_KEY } from '../core/plan-names.ts';
import { clusterLocation } from './account.ts';
import { awsFailure, httpStatus, isAwsError } from './aws-errors.ts';
import { s3Admin } from './clients.ts';
import { objectExists } from './s3-bucket.ts';

export interface StoredBindPassword {
  cluster: string;
  bindDn: string;
  bucket: string;
  key: string;
  encryptionKey: string;
  /** Whether a password was stored before and is now replaced. */
  replaced: boolean;
}

/** What the cluster file must say for a stored password to be used; throws otherwise, changing nothing. */
export function bindDnFor(config: ClusterConfig, file: string): string {
  const ldap = config.access.ldap;
  if (ldap?.bindDn === undefined) {
    throw new FutuswarmError('invalid_input', `${file}: access.ldap.bindDn is not set, so the agents bind to LDAP anonymously and need no password`, {
      hint: 'add access.ldap.bindDn (the read-only account the agents bind as), run cluster:bootstrap, then this command',
    });
  }
  if (ldap.bindPasswordFile !== undefined) {
    throw new FutuswarmError('invalid_input', `${file}: access.ldap.bindPasswordFile is set, so the managers read the password from that file, not the state bucket`, {
      hint: 'remove bindPasswordFile from the cluster file and run cluster:bootstrap, or write that file on every manager instead',
    });
  }
  return ldap.bindDn;
}

export async function storeLdapBindPassword(config: ClusterConfig, bindDn: string, password: string): Promise<StoredBindPassword> {
  const [{ ClusterSecrets }, { s3ObjectStore }, { kmsKeyService }] = await Promise.all([
    import('../state/cluster-secrets.ts'),
    import('./state-store.ts'),
    import('./kms.ts'),
  ]);
  const { bucket, keyAlias, caller } = await clusterLocation(config);
  await requireBucket(config, bucket);
  const secrets = new ClusterSecrets({ cluster: config.name, store: s3ObjectStore(bucket, { region: config.region }), keys: kmsKeyService(keyAlias, { region: config.region }) });
  const { replaced } = await secrets.storeLdapBindPassword(password, caller);
  return { cluster: config.name, bindDn, bucket, key: LDAP_BIND_PASSWORD_OBJECT_KEY, encryptionKey: keyAlias, replaced };
}

/** Whether the managers will look for a stored password that is not there yet (bootstrap says so). */
export async function ldapBindPasswordMissing(config: ClusterConfig): Promise<boolean> {
  const ldap = config.access.ldap;
  if (ldap?.bindDn === undefined || ldap.bindPasswordFile !== undefined) return false;
  const { bucket } = await clusterLocation(config);
  return !(await objectExists(config.region, bucket, LDAP_BIND_PASSWORD_OBJECT_KEY));
}

async function requireBucket(config: ClusterConfig, bucket: string): Promise<void> {
  const { sdk, client } = await s3Admin(config.region);
  try {
    await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if (httpStatus(e) === 404 || isAwsError(e, 'NotFound', 'NoSuchBucket')) {
      throw new FutuswarmError('not_found', `cluster ${config.name} has no state bucket (${bucket}) in ${config.region}`, {
        hint: 'build the cluster first: futuswarm admin cluster:bootstrap -f <cluster file>',
      });
    }
    throw awsFailure(e, 's3:HeadBucket', `s3://${bucket}`);
  }
}
