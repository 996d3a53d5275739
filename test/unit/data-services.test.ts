/** The agent's side of db:* and cache:* as data: URLs, what may be shown of them, the RESP wire. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCommand, parseReply, RedisError } from '../../src/aws/redis-auth.ts';
import { agentConfigSchema } from '../../src/config/agent-config.ts';
import { adminConnectionParams, appDatabaseUrl, connectionInfo, dataServicesScope } from '../../src/agent/data-services.ts';

const base = { cluster: 'prod', domain: 'apps.example.com', state: { bucket: 'futuswarm-prod-state', kmsKeyId: 'alias/futuswarm-prod' } };
const config = (extra: Record<string, unknown> = {}) => agentConfigSchema.parse({ ...base, ...extra });

test('the agent config knows the cluster\'s database and cache defaults', () => {
  const c = config();
  assert.deepEqual(c.databases, { shared: false, instanceClass: 'db.t4g.micro', engineVersion: '16', storageGb: 20, backupRetentionDays: 7, tls: 'verify-full' });
  assert.deepEqual(c.caches, { nodeType: 'cache.t4g.micro', engineVersion: '7.1' });
  const relative = agentConfigSchema.safeParse({ ...base, caches: { endpointOverride: { host: 'h', port: 6379, adminPasswordFile: 'relative' } } });
  assert.deepEqual(relative.error?.issues.map((i) => [i.path.join('.'), i.message]), [['caches.endpointOverride.adminPasswordFile', 'must be an absolute path']]);
  assert.deepEqual(config({ caches: { endpointOverride: { host: '127.0.0.1', port: 6380 } } }).caches.endpointOverride, { host: '127.0.0.1', port: 6380, tls: true });
});

test('the AWS adapters see the cluster from the agent config; the region comes from the config or the environment', () => {
  assert.deepEqual(dataServicesScope(config({ databases: { shared: true } }), { AWS_REGION: 'eu-west-1' }), {
    name: 'prod',
    region: 'eu-west-1',
    state: { bucket: 'futuswarm-prod-state' },
    tags: {},
    databases: { shared: true, instanceClass: 'db.t4g.micro', engineVersion: '16', storageGb: 20, backupRetentionDays: 7 },
    caches: { nodeType: 'cache.t4g.micro', engineVersion: '7.1' },
  });
  assert.equal(dataServicesScope(config({ state: { ...base.state, region: 'eu-north-1' } }), { AWS_REGION: 'eu-west-1' }).region, 'eu-north-1');
  assert.throws(() => dataServicesScope(config(), {}), /the agent does not know its AWS region/);
});

test('the agent verifies RDS servers; the app is asked for TLS without a CA file it does not have', () => {
  const verified = config({ databases: { caFile: '/etc/futuswarm/rds-ca.pem' } });
  assert.deepEqual(adminConnectionParams(verified), { sslmode: 'verify-full', sslrootcert: '/etc/futuswarm/rds-ca.pem' });
  const created = 'postgresql://app_shop:s3cret@db.example.com:5432/app_shop?sslmode=verify-full&sslrootcert=%2Fetc%2Ffutuswarm%2Frds-ca.pem';
  assert.equal(appDatabaseUrl(created, verified), 'postgresql://app_shop:s3cret@db.example.com:5432/app_shop?sslmode=require');
  const local = config({ databases: { tls: 'disable' } });
  assert.deepEqual(adminConnectionParams(local), { sslmode: 'disable' });
  assert.equal(appDatabaseUrl('postgresql://a:b@127.0.0.1:5433/app_a?sslmode=disable', local), 'postgresql://a:b@127.0.0.1:5433/app_a?sslmode=disable');
});

test('what is shown of a connection URL leaves out the password', () => {
  assert.deepEqual(connectionInfo('postgresql://app_shop:s3cret@db.example.com/app_shop?sslmode=require', 5432), {
    scheme: 'postgresql', host: 'db.example.com', port: 5432, user: 'app_shop', database: 'app_shop',
  });
  assert.deepEqual(connectionInfo('rediss://:token@cache.example.com:6380', 6379), { scheme: 'rediss', host: 'cache.example.com', port: 6380, user: '', database: null });
  assert.equal(connectionInfo('not a url', 5432), undefined);
});

test('RESP: commands as bulk strings, replies parsed only when complete', () => {
  assert.equal(encodeCommand(['AUTH', 'pässword']).toString(), '*2\r\n$4\r\nAUTH\r\n$9\r\npässword\r\n');
  assert.deepEqual(parseReply(Buffer.from('+PONG\r\n')), { reply: 'PONG', next: 7 });
  const wrong = parseReply(Buffer.from('-WRONGPASS invalid username-password pair\r\n'))!.reply;
  assert.ok(wrong instanceof RedisError && wrong.message === 'WRONGPASS invalid username-password pair');
  assert.deepEqual(parseReply(Buffer.from('*2\r\n$3\r\nfoo\r\n:42\r\n'))!.reply, ['foo', 42]);
  assert.equal(parseReply(Buffer.from('$5\r\nab')), undefined);
  assert.equal(parseReply(Buffer.from('*2\r\n$3\r\nfoo\r\n')), undefined);
  assert.deepEqual(parseReply(Buffer.from('$-1\r\n')), { reply: null, next: 5 });
});
