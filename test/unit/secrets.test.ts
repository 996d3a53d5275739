import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FutuswarmError } from '../../src/core/errors.ts';
import {
  SECRET_LIMITS,
  applySecretsChange,
  decodeSecrets,
  describeSecrets,
  encodeSecrets,
  isSecretKey,
  secretsDifference,
  validateSecrets,
} from '../../src/core/secrets.ts';

const SECRET = 'sk_live_0123456789abcdef';

/** An invalid_input error whose text (message, hint, details) never contains `value`. */
function invalidWithout(value: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof FutuswarmError, `expected a FutuswarmError, got ${String(e)}`);
    assert.equal(e.code, 'invalid_input');
    const text = `${e.message}\n${e.hint ?? ''}\n${JSON.stringify(e.details)}`;
    assert.ok(!text.includes(value), `error reveals the value: ${text}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

describe('secret keys', () => {
  it('accepts environment-variable names', () => {
    for (const key of ['A', '_', 'DATABASE_URL', '_PRIVATE', 'K8S_2', 'A'.repeat(256)]) assert.ok(isSecretKey(key), key);
  });

  it('rejects everything else', () => {
    for (const key of ['', 'lower', '1ABC', 'A-B', 'A B', 'A.B', 'Ä', 'A=B', 'A'.repeat(257)]) {
      assert.ok(!isSecretKey(key), key);
    }
  });
});

describe('validateSecrets', () => {
  it('returns the map with sorted keys', () => {
    assert.deepEqual(Object.keys(validateSecrets({ B: '2', A: '1' })), ['A', 'B']);
  });

  it('reports every bad key and value at once, by key, never the value', () => {
    assert.throws(
      () => validateSecrets({ 'bad-key': SECRET, GOOD: SECRET, NUMBER: 5, NUL: `a\0${SECRET}` }, 'secrets of shop'),
      (e: unknown) => {
        invalidWithout(SECRET)(e);
        const issues = (e as FutuswarmError & { details: { issues: string[] } }).details.issues;
        assert.deepEqual(issues, [
          'secrets of shop["bad-key"]: invalid key: use A-Z, 0-9 and "_", not starting with a digit',
          'secrets of shop.NUMBER: value must be a string, got number',
          'secrets of shop.NUL: value contains a NUL character',
        ]);
        return true;
      },
    );
  });

  it('allows values up to 64 KiB, and not one byte more', () => {
    validateSecrets({ BIG: 'x'.repeat(SECRET_LIMITS.maxValueBytes) });
    const tooBig = `${SECRET}${'x'.repeat(SECRET_LIMITS.maxValueBytes)}`;
    assert.throws(() => validateSecrets({ BIG: tooBig }), invalidWithout(SECRET, /^secrets\.BIG: value is 65560 bytes/));
  });

  it('counts bytes, not characters', () => {
    const euro = '€'.repeat(Math.floor(SECRET_LIMITS.maxValueBytes / 3) + 1); // 3 bytes each
    assert.throws(() => validateSecrets({ EUROS: euro }), invalidWithout(euro, /EUROS/));
  });

  it('bounds the total size and the number of keys', () => {
    const big = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`K${i}`, 'x'.repeat(60 * 1024)]));
    assert.throws(() => validateSecrets(big), invalidWithout('xxxx', /in total; the limit is 524288 bytes/));
    const many = Object.fromEntries(Array.from({ length: SECRET_LIMITS.maxKeys + 1 }, (_, i) => [`K${i}`, '']));
    assert.throws(() => validateSecrets(many), invalidWithout(SECRET, /1001 keys; the limit is 1000/));
  });

  it('rejects what is not a map', () => {
    for (const value of [null, [], 'A=B', 3]) assert.throws(() => validateSecrets(value), invalidWithout(SECRET));
  });
});

describe('applySecretsChange', () => {
  const current = Object.freeze({ A: '1', B: '2' });

  it('sets, changes and unsets, reporting changed keys only', () => {
    const result = applySecretsChange(current, { set: { C: '3', A: '1', B: 'two' }, unset: ['GONE'] });
    assert.deepEqual(result.values, { A: '1', B: 'two', C: '3' });
    assert.deepEqual(result.set, ['B', 'C']);
    assert.deepEqual(result.unset, []);
    assert.deepEqual(result.changed, ['B', 'C']);
    assert.deepEqual(result.missing, ['GONE']);
    assert.deepEqual(current, { A: '1', B: '2' }, 'input map changed');

    const removed = applySecretsChange(current, { unset: ['A', 'A'] });
    assert.deepEqual(removed.values, { B: '2' });
    assert.deepEqual(removed.unset, ['A']);
    assert.deepEqual(removed.changed, ['A']);
  });

  it('sets an empty value as a value', () => {
    assert.deepEqual(applySecretsChange({}, { set: { EMPTY: '' } }).changed, ['EMPTY']);
  });

  it('is a no-op when nothing changes', () => {
    assert.deepEqual(applySecretsChange(current, { set: { A: '1' } }).changed, []);
    assert.deepEqual(applySecretsChange(current, {}).changed, []);
  });

  it('refuses bad keys, oversize values and set+unset of one key, all at once', () => {
    assert.throws(
      () =>
        applySecretsChange(current, {
          set: { lower: SECRET, HUGE: `${SECRET}${'y'.repeat(70_000)}`, BOTH: SECRET },
          unset: ['BOTH', '9X'],
        }),
      (e: unknown) => {
        invalidWithout(SECRET)(e);
        assert.equal((e as { details: { issues: string[] } }).details.issues.length, 4);
        return true;
      },
    );
  });

  it('refuses a change that makes the app too big', () => {
    const full = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`K${i}`, 'x'.repeat(64 * 1024 - 8)]));
    assert.throws(() => applySecretsChange(full, { set: { MORE: `${SECRET}${'z'.repeat(1000)}` } }), invalidWithout(SECRET, /in total/));
  });
});

describe('secretsDifference', () => {
  it('names keys added or changed (set) and gone (unset), sorted, never values', () => {
    const running = { A: '1', B: '2', C: SECRET };
    const stored = { B: '2', C: 'rotated', D: '4', A2: '' };
    assert.deepEqual(secretsDifference(running, stored), { set: ['A2', 'C', 'D'], unset: ['A'] });
    assert.deepEqual(secretsDifference(stored, stored), { set: [], unset: [] });
    assert.deepEqual(secretsDifference({}, { X: '' }), { set: ['X'], unset: [] });
    assert.ok(!JSON.stringify(secretsDifference(running, stored)).includes(SECRET));
  });
});

describe('describeSecrets and the stored document', () => {
  it('lists keys and byte sizes, never values', () => {
    const described = describeSecrets({ B: '€', A: SECRET });
    assert.deepEqual(described, [
      { key: 'A', bytes: SECRET.length },
      { key: 'B', bytes: 3 },
    ]);
    assert.ok(!JSON.stringify(described).includes(SECRET));
  });

  it('encodes canonically and decodes back', () => {
    const encoded = encodeSecrets({ B: '2', A: 'ä' });
    assert.equal(encoded.toString('utf8'), '{"A":"ä","B":"2"}');
    assert.deepEqual(decodeSecrets(encoded), { A: 'ä', B: '2' });
    assert.throws(() => decodeSecrets(Buffer.from('[1]')), (e: unknown) => e instanceof FutuswarmError && e.code === 'protocol');
    assert.throws(() => decodeSecrets(Buffer.from('{"A":1}')), (e: unknown) => e instanceof FutuswarmError && e.code === 'protocol');
  });
});
