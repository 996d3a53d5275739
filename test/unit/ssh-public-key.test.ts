import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSshPublicKey, parseSshPublicKey, sameSshKey, sshKeyFingerprint } from '../../src/core/ssh-public-key.ts';
import { newSshKey } from '../helpers/ssh-key.ts';

// Made with ssh-keygen; the fingerprint is what `ssh-keygen -lf` printed.
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIIuzfoyzBJSBy1eldw72jv+EI0tFssjnkkA84x8GnwGo';
const ED25519_FINGERPRINT = 'SHA256:wQ5kEOoN2M4WQ3h4v9bXqdpq//WLaTYSBNDwQNb2dQw';
const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIZGBiptRWQ8TbD1QadSQ5mKO7Y0UTmWxSN8zBlw42phxndw1t6Nu4YHWZShBAkDFwAkXepmfFJu+juMRC3lH1Y=';

describe('parseSshPublicKey', () => {
  it('reads type, key and comment', () => {
    assert.deepEqual(parseSshPublicKey(`ssh-ed25519 ${ED25519} vector@futuswarm.test`), {
      type: 'ssh-ed25519',
      base64: ED25519,
      comment: 'vector@futuswarm.test',
    });
  });

  it('takes keys without a comment, with spaces in the comment and with padding', () => {
    assert.deepEqual(parseSshPublicKey(`ssh-ed25519 ${ED25519}`), { type: 'ssh-ed25519', base64: ED25519 });
    assert.equal(parseSshPublicKey(`ssh-ed25519 ${ED25519} Alice Smith (laptop)\n`)?.comment, 'Alice Smith (laptop)');
    assert.equal(parseSshPublicKey(`ecdsa-sha2-nistp256 ${ECDSA} e`)?.type, 'ecdsa-sha2-nistp256');
  });

  it('rejects lines with authorized_keys options instead of dropping them', () => {
    assert.equal(parseSshPublicKey(`from="10.0.0.1" ssh-ed25519 ${ED25519} x`), undefined);
    assert.equal(parseSshPublicKey(`restrict ssh-ed25519 ${ED25519}`), undefined);
  });

  it('rejects garbage, unsupported types and injection strings', () => {
    for (const text of ['', 'ssh-ed25519', `ssh-dss ${ED25519}`, `ssh-ed25519-cert-v01@openssh.com ${ED25519}`, '*)(uid=*', `ssh-ed25519 *)(uid=*`]) {
      assert.equal(parseSshPublicKey(text), undefined, text);
    }
  });
});

describe('checkSshPublicKey', () => {
  it('accepts what sshd passes as %t %k', () => {
    const key = newSshKey();
    assert.deepEqual(checkSshPublicKey(key.type, key.base64), { type: 'ssh-ed25519', base64: key.base64 });
  });

  it('rejects a key presented under another type than its blob names', () => {
    assert.equal(checkSshPublicKey('ssh-rsa', ED25519), undefined);
    assert.equal(checkSshPublicKey('ssh-ed25519', ECDSA), undefined);
  });

  it('rejects base64 that is not canonical or carries other characters', () => {
    for (const base64 of [ED25519.slice(0, -1), `${ED25519}=`, `${ED25519} `, `${ED25519}\n`, `"${ED25519}"`, ED25519.replace('+', '-'), '*)(uid=*', '']) {
      assert.equal(checkSshPublicKey('ssh-ed25519', base64), undefined, JSON.stringify(base64));
    }
  });

  it('rejects absurdly long input without decoding it', () => {
    assert.equal(checkSshPublicKey('ssh-ed25519', 'A'.repeat(100_000)), undefined);
  });
});

describe('sameSshKey and sshKeyFingerprint', () => {
  it('compares type and material, not comments', () => {
    const a = parseSshPublicKey(`ssh-ed25519 ${ED25519} one`)!;
    const b = parseSshPublicKey(`ssh-ed25519 ${ED25519} two`)!;
    assert.ok(sameSshKey(a, b));
    assert.ok(!sameSshKey(a, { type: 'ssh-ed25519', base64: newSshKey().base64 }));
  });

  it('prints the fingerprint ssh-keygen prints', () => {
    assert.equal(sshKeyFingerprint({ base64: ED25519 }), ED25519_FINGERPRINT);
  });
});
