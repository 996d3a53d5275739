/**
 * Envelope encryption, the local half: AES-256-GCM under a data key that KMS generated.
 * Only the KMS-encrypted data key is stored beside the ciphertext; the plaintext data key is
 * handed in by the caller and never leaves memory.
 *
 * The clear-text `meta` (who, when, which keys changed) is bound into the GCM additional
 * authenticated data, so it can be read without KMS but cannot be altered undetected.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { FutuswarmError, formatIssues } from './errors.ts';

export const ENVELOPE_VERSION = 1;
export const ENVELOPE_ALGORITHM = 'AES-256-GCM';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type EnvelopeMeta = { [key: string]: JsonValue };

/** KMS encryption context; it must be the same to decrypt the data key as it was to create it. */
export type KeyContext = Readonly<Record<string, string>>;

/** A data key as KMS GenerateDataKey returns it. */
export interface DataKey {
  /** 32 bytes; keep only in memory and zero it after use. */
  plaintext: Uint8Array;
  /** The KMS ciphertext blob of the same key; safe to store. */
  encrypted: Uint8Array;
}

/** The port to a key-management service (KMS in production). */
export interface KeyService {
  generateDataKey(context: KeyContext): Promise<DataKey>;
  /** The plaintext of a data key; fails with a FutuswarmError if the context does not match. */
  decryptDataKey(encrypted: Uint8Array, context: KeyContext): Promise<Uint8Array>;
}

/** The stored form; plain JSON. */
export interface SealedEnvelope<M extends EnvelopeMeta = EnvelopeMeta> {
  v: typeof ENVELOPE_VERSION;
  alg: typeof ENVELOPE_ALGORITHM;
  /** base64 of the KMS-encrypted data key */
  encryptedKey: string;
  /** base64, 12 bytes */
  iv: string;
  /** base64, 16 bytes */
  tag: string;
  /** base64 */
  ciphertext: string;
  meta: M;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const envelopeSchema = z.strictObject({
  v: z.literal(ENVELOPE_VERSION),
  alg: z.literal(ENVELOPE_ALGORITHM),
  encryptedKey: base64.min(1),
  iv: base64,
  tag: base64,
  ciphertext: base64,
  meta: z.record(z.string(), jsonValue),
});

/**
 * JSON with object keys sorted at every level, so the same value always gives the same bytes
 * (the additional authenticated data must survive a parse/serialise round trip).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function additionalData(meta: EnvelopeMeta): Buffer {
  return Buffer.from(canonicalJson({ v: ENVELOPE_VERSION, alg: ENVELOPE_ALGORITHM, meta }), 'utf8');
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) {
    throw new FutuswarmError('internal', `data key must be ${KEY_BYTES} bytes, got ${key.byteLength}`);
  }
}

export function sealEnvelope<M extends EnvelopeMeta>(input: {
  plaintext: Uint8Array | string;
  dataKey: DataKey;
  meta: M;
}): SealedEnvelope<M> {
  checkKey(input.dataKey.plaintext);
  if (input.dataKey.encrypted.byteLength === 0) throw new FutuswarmError('internal', 'encrypted data key is empty');
  // The meta must be plain JSON or the AAD would not survive storage.
  const meta = JSON.parse(JSON.stringify(input.meta)) as M;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', input.dataKey.plaintext, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(meta));
  const body = typeof input.plaintext === 'string' ? Buffer.from(input.plaintext, 'utf8') : input.plaintext;
  const ciphertext = Buffer.concat([cipher.update(body), cipher.final()]);
  return {
    v: ENVELOPE_VERSION,
    alg: ENVELOPE_ALGORITHM,
    encryptedKey: Buffer.from(input.dataKey.encrypted).toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    meta,
  };
}

/**
 * Validate a stored envelope (parsed JSON or raw bytes). `what` names it in errors,
 * e.g. "secrets of shop".
 */
export function parseEnvelope(value: unknown, what = 'envelope'): SealedEnvelope {
  let data = value;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    try {
      data = JSON.parse(Buffer.from(value).toString('utf8'));
    } catch {
      throw new FutuswarmError('protocol', `${what}: not JSON, so not a futuswarm envelope`);
    }
  }
  if (data !== null && typeof data === 'object' && 'v' in data && data.v !== ENVELOPE_VERSION) {
    throw new FutuswarmError('protocol', `${what}: envelope format ${String(data.v)} is not understood by this version`, {
      hint: 'upgrade futuswarm-agent on the managers',
    });
  }
  const result = envelopeSchema.safeParse(data);
  if (!result.success) {
    const lines = formatIssues(result.error.issues);
    throw new FutuswarmError('protocol', `${what}: not a valid envelope (${lines.join('; ')})`);
  }
  const envelope = result.data as SealedEnvelope;
  if (Buffer.from(envelope.iv, 'base64').length !== IV_BYTES || Buffer.from(envelope.tag, 'base64').length !== TAG_BYTES) {
    throw new FutuswarmError('protocol', `${what}: envelope has a malformed IV or tag`);
  }
  return envelope;
}

export function envelopeEncryptedKey(envelope: SealedEnvelope): Buffer {
  return Buffer.from(envelope.encryptedKey, 'base64');
}

/** Decrypt with the plaintext data key. Any change to ciphertext, IV, tag or meta fails. */
export function openEnvelope(envelope: SealedEnvelope, dataKey: Uint8Array, what = 'envelope'): Buffer {
  checkKey(dataKey);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(envelope.iv, 'base64'), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  decipher.setAAD(additionalData(envelope.meta));
  try {
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]);
  } catch {
    throw new FutuswarmError('protocol', `${what}: failed its integrity check (ciphertext or meta was altered)`, {
      hint: 'restore an earlier version from the history of the object',
    });
  }
}

/** Seal with a fresh data key from the key service; the plaintext key is zeroed afterwards. */
export async function sealWith<M extends EnvelopeMeta>(
  keys: KeyService,
  context: KeyContext,
  plaintext: Uint8Array | string,
  meta: M,
): Promise<SealedEnvelope<M>> {
  const dataKey = await keys.generateDataKey(context);
  try {
    return sealEnvelope({ plaintext, dataKey, meta });
  } finally {
    dataKey.plaintext.fill(0);
  }
}

/** Decrypt the data key under `context`, then open; the plaintext key is zeroed afterwards. */
export async function openWith(
  keys: KeyService,
  context: KeyContext,
  envelope: SealedEnvelope,
  what = 'envelope',
): Promise<Buffer> {
  const dataKey = await keys.decryptDataKey(envelopeEncryptedKey(envelope), context);
  try {
    return openEnvelope(envelope, dataKey, what);
  } finally {
    dataKey.fill(0);
  }
}
