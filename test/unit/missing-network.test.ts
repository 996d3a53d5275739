import assert from 'node:assert/strict';
import { it } from 'node:test';
import { missingNetwork } from '../../src/docker/networks.ts';

it('missingNetwork names the network of a "not found" error from Docker, and nothing else', () => {
  assert.equal(missingNetwork(new Error('docker: network futuswarm-app-shop not found')), 'futuswarm-app-shop');
  assert.equal(missingNetwork(new Error('docker: network 1wnef0d0gixal1jchdlqqs980 not found')), '1wnef0d0gixal1jchdlqqs980');
  assert.equal(missingNetwork(new Error('docker: service shop not found')), undefined);
  assert.equal(missingNetwork(new Error('docker: network futuswarm-app-shop is in use by service shop')), undefined);
  assert.equal(missingNetwork(undefined), undefined);
});
