/**
 * KMS adapter: data keys for envelope encryption, and the cluster key itself.
 * SDK failures become FutuswarmErrors here; nothing above this file sees an SDK error.
 */
import type { DataKey, KeyContext, KeyService } from '../core/envelope.ts';
import { FutuswarmError } from '../core/errors.ts';
import { isNetworkError } from './aws-errors.ts';
import { kmsClient } from './clients.ts';

export interface KmsOptions {
  /** Defaults to the SDK's own resolution (AWS_REGION, profile, instance metadata). */
  region?: string;
}

// Loaded on first use: the SDK is large and most CLI commands never touch KMS.
const kms = (options: KmsOptions = {}) => kmsClient(options.region ?? '');

function describeContext(context: KeyContext): string {
  return Object.entries(context)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function undecryptable(context: KeyContext, cause: unknown): FutuswarmError {
  const app = context.app;
  const message = app
    ? `secrets of app ${app} cannot be decrypted with this app's key context (was the blob copied from another app?)`
    : `data key cannot be decrypted with key context {${describeContext(context)}} (was it copied from elsewhere?)`;
  return new FutuswarmError('forbidden', message, {
    hint: app ? `restore an earlier version: futuswarm app:secrets history -n ${app}` : undefined,
    details: { context },
    cause,
  });
}

/** Translate a KMS SDK failure. `keyId` and `context` name what was being done. */
function translate(e: unknown, action: string, keyId: string | undefined, context?: KeyContext): FutuswarmError {
  if (e instanceof FutuswarmError) return e;
  const name = e instanceof Error ? e.name : 'Error';
  const text = e instanceof Error ? e.message : String(e);
  const key = keyId ? `KMS key ${keyId}` : 'the KMS key';
  switch (name) {
    case 'InvalidCiphertextException':
    case 'IncorrectKeyException':
      return undecryptable(context ?? {}, e);
    case 'NotFoundException':
      return new FutuswarmError('config', `${key} does not exist`, {
        hint: 'check the KMS key alias in the agent config, or create it: futuswarm admin cluster:bootstrap',
        cause: e,
      });
    case 'DisabledException':
    case 'KMSInvalidStateException':
      return new FutuswarmError('config', `${key} is disabled or pending deletion (${text})`, { cause: e });
    case 'AccessDeniedException':
      return new FutuswarmError('config', `AWS denied ${action} on ${key}`, {
        hint: "check the agent's IAM role and the key policy",
        cause: e,
      });
    case 'ThrottlingException':
    case 'KMSInternalException':
    case 'DependencyTimeoutException':
      return new FutuswarmError('unavailable', `KMS did not answer ${action} (${name})`, { cause: e });
  }
  if (isNetworkError(e)) {
    return new FutuswarmError('unavailable', `KMS could not be reached for ${action}: ${text}`, { cause: e });
  }
  return new FutuswarmError('aws', `KMS ${action} failed: ${name}: ${text}`, { cause: e });
}

/** A fresh AES-256 data key under `keyId` (key id, ARN or `alias/…`), bound to `context`. */
export async function generateDataKey(keyId: string, context: KeyContext, options: KmsOptions = {}): Promise<DataKey> {
  const { sdk, client } = await kms(options);
  try {
    const out = await client.send(
      new sdk.GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { ...context } }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new FutuswarmError('aws', 'KMS GenerateDataKey returned no key');
    return { plaintext: out.Plaintext, encrypted: out.CiphertextBlob };
  } catch (e) {
    throw translate(e, 'kms:GenerateDataKey', keyId, context);
  }
}

/**
 * The plaintext of a data key. KMS refuses unless `context` is the one it was generated with;
 * that refusal becomes a `forbidden` error saying the blob may have been copied. With `keyId`,
 * KMS also refuses a blob made under another key.
 */
export async function decrypt(
  encryptedKey: Uint8Array,
  context: KeyContext,
  options: KmsOptions & { keyId?: string } = {},
): Promise<Uint8Array> {
  const { sdk, client } = await kms(options);
  try {
    const out = await client.send(
      new sdk.DecryptCommand({ CiphertextBlob: encryptedKey, EncryptionContext: { ...context }, KeyId: options.keyId }),
    );
    if (!out.Plaintext) throw new FutuswarmError('aws', 'KMS Decrypt returned no plaintext');
    return out.Plaintext;
  } catch (e) {
    throw translate(e, 'kms:Decrypt', options.keyId, context);
  }
}

/** The KeyService port backed by one KMS key. */
export function kmsKeyService(keyId: string, options: KmsOptions = {}): KeyService {
  return {
    generateDataKey: (context) => generateDataKey(keyId, context, options),
    decryptDataKey: (encrypted, context) => decrypt(encrypted, context, { ...options, keyId }),
  };
}

export interface EnsuredKey {
  keyId: string;
  arn: string;
  created: boolean;
}

/**
 * Make sure `alias` (e.g. `alias/futuswarm-prod`) names a symmetric KMS key; create the key
 * (with yearly rotation) and the alias if it does not. Idempotent, also when two run at once.
 */
export async function ensureKeyAlias(
  alias: string,
  options: KmsOptions & { description?: string; tags?: Record<string, string> } = {},
): Promise<EnsuredKey> {
  if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(alias) || alias.startsWith('alias/aws/')) {
    throw new FutuswarmError('invalid_input', `KMS alias ${JSON.stringify(alias)} must look like alias/futuswarm-<cluster>`);
  }
  const { sdk, client } = await kms(options);
  const describe = async (): Promise<EnsuredKey | undefined> => {
    try {
      const out = await client.send(new sdk.DescribeKeyCommand({ KeyId: alias }));
      const meta = out.KeyMetadata;
      if (!meta?.KeyId || !meta.Arn) throw new FutuswarmError('aws', `KMS DescribeKey ${alias} returned no key`);
      return { keyId: meta.KeyId, arn: meta.Arn, created: false };
    } catch (e) {
      if (e instanceof Error && e.name === 'NotFoundException') return undefined;
      throw translate(e, 'kms:DescribeKey', alias);
    }
  };

  const existing = await describe();
  if (existing) return existing;

  let key: { keyId: string; arn: string };
  try {
    const out = await client.send(
      new sdk.CreateKeyCommand({
        Description: options.description ?? `futuswarm state (${alias})`,
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        Tags: Object.entries(options.tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      }),
    );
    if (!out.KeyMetadata?.KeyId || !out.KeyMetadata.Arn) throw new FutuswarmError('aws', 'KMS CreateKey returned no key');
    key = { keyId: out.KeyMetadata.KeyId, arn: out.KeyMetadata.Arn };
    await client.send(new sdk.EnableKeyRotationCommand({ KeyId: key.keyId }));
  } catch (e) {
    throw translate(e, 'kms:CreateKey', alias);
  }

  try {
    await client.send(new sdk.CreateAliasCommand({ AliasName: alias, TargetKeyId: key.keyId }));
    return { ...key, created: true };
  } catch (e) {
    if (!(e instanceof Error && e.name === 'AlreadyExistsException')) throw translate(e, 'kms:CreateAlias', alias);
    // Someone else created the alias meanwhile: use theirs and retire the key made here.
    await client
      .send(new sdk.ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: 7 }))
      .catch(() => undefined);
    const winner = await describe();
    if (!winner) throw new FutuswarmError('aws', `KMS alias ${alias} exists but cannot be described`);
    return winner;
  }
}
