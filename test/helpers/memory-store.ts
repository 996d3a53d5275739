/**
 * The state bucket's port (`ObjectStore`) in memory, for unit tests of what the agent writes
 * without moto: conditional writes as S3 does them, no versions kept.
 */
import { createHash } from 'node:crypto';
import type { ObjectStore, ObjectSummary, PutOptions, StoredObject, WriteResult } from '../../src/aws/state-store.ts';
import { FutuswarmError } from '../../src/core/errors.ts';

export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();

  async get(key: string): Promise<StoredObject | undefined> {
    return this.objects.get(key);
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<WriteResult> {
    const current = this.objects.get(key);
    if ('ifNoneMatch' in options ? current !== undefined : current?.etag !== options.ifMatch) {
      throw new FutuswarmError('conflict', `${key} changed meanwhile`);
    }
    const bytes = Buffer.from(body);
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    this.objects.set(key, { body: bytes, etag, versionId: undefined, lastModified: new Date() });
    return { etag, versionId: undefined };
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(prefix: string, options: { startAfter?: string } = {}): Promise<ObjectSummary[]> {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix) && (options.startAfter === undefined || key > options.startAfter))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, o]) => ({ key, etag: o.etag, size: o.body.length, lastModified: o.lastModified }));
  }

  async versions(): Promise<never[]> {
    return [];
  }
}
