/**
 * Agent answers with the longest values real clusters give: 40-character app names, images
 * from a registry with a long path and a digest, long extra domains, multi-line task errors,
 * wide characters in free text. Each is a valid result of its op (src/results/).
 */
import type { ListResult, InspectResult, ReleasesResult } from '../../src/results/app.ts';
import type { ImagesResult } from '../../src/results/people.ts';
import type { NodeListResult } from '../../src/results/admin.ts';

const now = Date.now();
export const ago = (minutes: number): string => new Date(now - minutes * 60_000).toISOString();

export const LONG_APP = 'customer-checkout-frontend-eu-north-prod1';
const app = LONG_APP.slice(0, 40);
const digest = `sha256:${'4f9a0c1b'.repeat(8)}`;
const image = `registry.internal.example-company.com:5000/platform-team/${app}@${digest}`;
const domain = 'checkout-frontend-for-the-nordics.customers.eu-north-1.apps.example-company.com';
const url = `https://${app}.apps.production.eu-north-1.example-company.com`;
const message = 'task: non-zero exit (137): the container was killed after exceeding its memory limit of 512 MB\nwhile serving /api/checkout';

export const list: ListResult = {
  apps: [
    { app, release: 1234, image, running: 10, desired: 12, url, updatedAt: ago(3), deployed: true },
    { app: 'shop', release: 3, image: 'nginx:1.27', running: 1, desired: 1, url: 'https://shop.apps.example.com', updatedAt: ago(60 * 26), deployed: true },
    { app: 'draft', release: 0, image: '', running: 0, desired: 0, url: 'https://draft.apps.example.com', updatedAt: ago(5), deployed: false },
  ],
};

const health = { path: '/api/health/ready?include=database,cache,queue&verbose=true', cmd: `curl -fsS http://127.0.0.1:8080/api/health/ready --header 'Authorization: Bearer ${'x'.repeat(80)}'`, intervalSeconds: 5, timeoutSeconds: 3, retries: 5, startPeriodSeconds: 30 };

export const inspect: InspectResult = {
  app,
  release: 1234,
  image,
  replicas: { running: 10, desired: 12 },
  settings: { port: 8080, replicas: 12, limits: { cpus: 1.5, memoryMb: 512 }, domains: [domain, `www.${domain}`], internal: false, health, placement: { constraints: [{ label: 'zone', op: '==', value: 'eu-north-1a' }], spread: ['rack'] }, links: ['payments-gateway-internal', 'inventory-search-internal'] },
  placement: { constraints: ['zone==eu-north-1a', 'instance-type!=t3.micro-burstable-instances-only'], spread: ['rack', 'availability-zone-of-the-node'], workersOnly: true },
  url,
  domains: [`${app}.apps.production.eu-north-1.example-company.com`, domain, `www.${domain}`],
  linkedFrom: ['storefront-checkout-worker', 'storefront-admin-backoffice'],
  update: { state: 'rollback_completed', message: 'update rolled back due to failure or early termination of task 9x8y7z6w5v4u3t2s1r0q and the health check' },
  tasks: [
    { id: 'k3j4h5g6f7d8s9a0p1o2i3u4', slot: 1, node: 'ip-10-20-30-40.eu-north-1.compute.internal', release: '1234', state: 'running', desiredState: 'running', since: ago(2) },
    { id: 'z9x8c7v6b5n4m3l2k1j0h9g8', slot: 2, node: 'ip-10-20-30-41.eu-north-1.compute.internal', release: '1234', state: 'failed', desiredState: 'shutdown', error: message, since: ago(1) },
  ],
  routes: {
    proxy: 'ok',
    routes: [{ name: `${app}@swarm`, rule: `Host(\`${app}.apps.production.eu-north-1.example-company.com\`) || Host(\`${domain}\`)`, entryPoints: ['websecure'], status: 'enabled', tls: true, errors: [] }],
    servers: [{ url: 'http://10.0.12.34:8080', status: 'UP', task: 'k3j4h5g6f7d8s9a0p1o2i3u4' }],
  },
  labels: {
    'futuswarm.app': app,
    'futuswarm.release': '1234',
    'futuswarm.image': image,
    'futuswarm.settings': JSON.stringify({ port: 8080, replicas: 12, health }),
    'futuswarm.spec-hash': 'f'.repeat(64),
    'com.example.team-responsible-for-this-service-and-its-on-call-rotation': 'checkout-and-payments-platform-team',
  },
  pendingSecrets: { version: 'v123456', running: 'v123455', set: ['STRIPE_SECRET_KEY_FOR_NORDIC_MARKETS', 'PAYPAL_CLIENT_SECRET'], unset: ['OLD_TOKEN'] },
  createdAt: ago(60 * 24 * 40),
  updatedAt: ago(3),
};

export const releases: ReleasesResult = {
  app,
  live: 1234,
  releases: [
    { n: 1235, live: false, image, imageId: digest, secretsVersion: 'v123456', user: 'firstname.lastname.contractor', time: ago(1), note: 'set STRIPE_SECRET_KEY_FOR_NORDIC_MARKETS 日本語のメモ', rollbackOf: null, status: 'failed', failure: `health check failed 5 times: ${message}` },
    { n: 1234, live: true, image, imageId: digest, secretsVersion: 'v123455', user: 'alice', time: ago(60), note: null, rollbackOf: 1200, status: 'deployed', failure: null },
  ],
};

export const images: ImagesResult = {
  app,
  repository: `registry.internal.example-company.com:5000/platform-team/${app}`,
  images: [1, 2].map((n) => ({
    digest,
    tags: ['1.4.2-rc.1-build.20261204.123456', 'latest', `feature-${'long-branch-name-'.repeat(3)}${n}`],
    size: 734_003_200,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    pushedBy: 'firstname.lastname.contractor',
    pushedAt: ago(n * 90),
    reference: `${image}`,
    releases: [1230, 1231, 1232, 1233, 1234, 1235],
  })),
};

export const audit = {
  records: [
    { v: 1, id: 'a1', time: ago(1), user: 'firstname.lastname.contractor', op: 'app.secrets.import', app, result: 'error', code: 'invalid_input', message: `secrets: ${'VERY_LONG_SECRET_KEY_NAME_'.repeat(4)} must be at most 100 characters\nsecond line`, durationMs: 1234 },
    { v: 1, id: 'a2', time: ago(2), user: 'alice', op: 'app.deploy', app, result: 'ok', durationMs: 45_678 },
  ],
  truncated: true,
  since: null,
};

export const nodes: NodeListResult = {
  nodes: [
    {
      id: 'n1', name: 'ip-10-20-30-40.eu-north-1.compute.internal', role: 'manager', availability: 'active', state: 'ready', managerStatus: 'leader', address: '10.20.30.40', engineVersion: '27.3.1',
      labels: { zone: 'eu-north-1a', rack: 'r12', 'instance-type': 'm6i.4xlarge', 'dedicated-to-team': 'checkout-and-payments-platform' }, tasks: 42, self: true,
    },
    { id: 'n2', name: 'worker-2', role: 'worker', availability: 'drain', state: 'down', managerStatus: null, address: null, engineVersion: null, labels: {}, tasks: 0, self: false },
  ],
};

export const proxyStatus = {
  deployed: true,
  image: 'registry.internal.example-company.com:5000/mirror/docker.io/library/traefik:v3.2.1-with-plugins',
  upToDate: false,
  update: { state: 'paused', message: 'update paused due to failure or early termination of task q1w2e3r4t5y6u7i8o9p0 on a node' },
  tasks: [{ id: 'q1w2e3r4t5y6u7i8o9p0a1s2', node: 'ip-10-20-30-40.eu-north-1.compute.internal', state: 'failed', desiredState: 'shutdown', error: message, since: ago(4) }],
  api: { reachable: false, url: 'http://127.0.0.1:8081', reason: 'connect ECONNREFUSED 127.0.0.1:8081 after 3 attempts over 6 seconds; the proxy task on this manager is not running' },
  routes: [{ router: `${app}@swarm`, rule: `Host(\`${domain}\`) || Host(\`www.${domain}\`)`, service: `${app}@swarm`, status: 'enabled', serversUp: 10, servers: 12 }],
};

export const agentStatus = {
  managers: [
    {
      node: 'ip-10-20-30-40.eu-north-1.compute.internal', addr: '10.20.30.40', managerStatus: 'leader', answered: true,
      agent: { mode: 'daemon', version: '1.0.0-rc.12+build.20261204.abcdef', pid: 1234, startedAt: ago(60 * 30), uptimeSeconds: 1800, requests: 123456, leader: true },
    },
    { node: 'ip-10-20-30-41.eu-north-1.compute.internal', addr: null, managerStatus: 'unreachable', answered: false, agent: null, error: 'ssh: connect to host 10.20.30.41 port 22: Connection timed out after 10 seconds while asking its agent' },
  ],
};

const rds = 'futuswarm-prod-customer-checkout-frontend-eu-north-prod.c9akciq32.eu-north-1.rds.amazonaws.com';
const versionId = 'Zx8Qw.7Lm3Nb5Vc1Rt9Ys2Ud4Fg6Hj0Kl';

export const secretsList = {
  app, version: versionId, changedBy: 'firstname.lastname.contractor', changedAt: ago(45),
  keys: [{ key: 'STRIPE_SECRET_KEY_FOR_NORDIC_MARKETS_AND_THE_BALTIC_STATES_AND_ICELAND_AND_THE_FAROE_ISLANDS_PRODUCTION_ONLY_v2', bytes: 107 }, { key: 'DATABASE_URL', bytes: 160 }],
};

export const secretsHistory = {
  app,
  versions: [
    { versionId, time: ago(45), user: 'firstname.lastname.contractor', set: ['STRIPE_SECRET_KEY_FOR_NORDIC_MARKETS', 'PAYPAL_CLIENT_SECRET', 'KLARNA_API_KEY'], unset: ['OLD_TOKEN'], current: true, deleted: false },
    { versionId: `${versionId}-older`, user: 'alice', set: [], unset: [], current: false, deleted: true },
  ],
};

export const registryList = {
  cluster: '127.0.0.1:5000',
  registries: [{ host: 'registry.internal.example-company.com:5000', username: 'svc-futuswarm-pull-only-robot-account-for-production', addedBy: 'firstname.lastname.contractor', addedAt: ago(60 * 24 * 3) }],
};

export const whoami = {
  user: 'firstname.lastname.contractor', source: 'ldap', cluster: 'production-eu-north-1-customer-facing',
  groups: ['futuswarm-admins', 'checkout-and-payments-platform', 'on-call-primary', 'everyone-in-the-company-directory'],
  admin: true, adminVia: ['LDAP group futuswarm-admins', "the agent config's admins: list"],
};

export const dbInfo = {
  app, engine: 'postgres', kind: 'dedicated', host: rds, port: 5432, database: app.replaceAll('-', '_'), user: app.replaceAll('-', '_'), secret: 'DATABASE_URL',
  instance: { id: `futuswarm-prod-${app}`, status: 'available', class: 'db.r6g.2xlarge', engineVersion: '16.4', endpoint: { host: rds, port: 5432 } },
};

export const cacheInfo = {
  app, engine: 'redis', cache: `futuswarm-prod-${app}`, status: 'available', endpoint: { host: `master.futuswarm-prod-${app}.abc123.eun1.cache.amazonaws.com`, port: 6379 },
  transitEncryption: true, authToken: true, host: `master.futuswarm-prod-${app}.abc123.eun1.cache.amazonaws.com`, port: 6379, tls: true, secret: 'REDIS_URL',
};

/** The answers by op, for offlineCli({ answers }). */
export const LONG_ANSWERS = {
  'app.list': list,
  'app.inspect': inspect,
  'app.releases': releases,
  'app.images': images,
  'admin.audit': audit,
  'admin.node.list': nodes,
  'admin.proxy.status': proxyStatus,
  'admin.agent.status': agentStatus,
  'app.secrets.list': secretsList,
  'app.secrets.history': secretsHistory,
  'admin.registry.list': registryList,
  'whoami': whoami,
  'db.info': dbInfo,
  'cache.info': cacheInfo,
};
