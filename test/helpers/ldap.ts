/**
 * The private slapd of scripts/ldap-rig.sh: started on demand, shared by all tests. Tests never
 * change alice, bob or carol; they add their own people (unique uids) and remove them after.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client } from 'ldapts';
import { ldapConfigSchema, type LdapConfig } from '../../src/config/ldap-config.ts';

export const LDAP_PORT = Number(process.env.FUTUSWARM_LDAP_PORT ?? 3890);
export const LDAP_URL = `ldap://127.0.0.1:${LDAP_PORT}`;
export const SUFFIX = 'dc=futuswarm,dc=test';
export const PEOPLE_DN = `ou=people,${SUFFIX}`;
export const GROUPS_DN = `ou=groups,${SUFFIX}`;
export const ADMINS_GROUP = 'futuswarm-admins';
export const AGENT_BIND_DN = `cn=futuswarm-agent,${SUFFIX}`;
export const BIND_PASSWORD_FILE = '/etc/futuswarm/ldap-bind-password';
const ADMIN_DN = `cn=admin,${SUFFIX}`;
const ADMIN_PASSWORD_FILE = join(process.env.FUTUSWARM_LDAP_DIR ?? '/var/lib/futuswarm-ldap', 'admin-password');
const RIG = resolve(import.meta.dirname, '../../scripts/ldap-rig.sh');

function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
    socket.once('timeout', () => { socket.destroy(); done(false); });
  });
}

/** Start the rig unless its port answers; returns the agent's LDAP config for it. */
export async function ensureLdap(overrides: Record<string, unknown> = {}): Promise<LdapConfig> {
  if (!(await answers(LDAP_PORT))) {
    await promisify(execFile)('bash', [RIG, 'up'], { env: { ...process.env, FUTUSWARM_LDAP_PORT: String(LDAP_PORT) } });
  }
  return ldapTestConfig(overrides);
}

export function ldapTestConfig(overrides: Record<string, unknown> = {}): LdapConfig {
  return ldapConfigSchema.parse({
    url: LDAP_URL,
    bindDn: AGENT_BIND_DN,
    bindPasswordFile: BIND_PASSWORD_FILE,
    baseDn: PEOPLE_DN,
    groupBaseDn: GROUPS_DN,
    adminGroup: ADMINS_GROUP,
    connectTimeoutMs: 1000,
    timeoutMs: 2000,
    ...overrides,
  });
}

/** The private key file of alice, bob or carol, as scripts/ldap-rig.sh made it. */
export function rigUserKeyFile(uid: 'alice' | 'bob' | 'carol'): string {
  const configHome = process.env.XDG_CONFIG_HOME ?? join(process.env.HOME ?? homedir(), '.config');
  return join(configHome, 'futuswarm', 'ldap-users', uid, 'id_ed25519');
}

/** The rig's key pair of alice, bob or carol (public half). */
export function rigUserKey(uid: 'alice' | 'bob' | 'carol'): { type: string; base64: string; line: string } {
  const line = readFileSync(`${rigUserKeyFile(uid)}.pub`, 'utf8').trim();
  const [type, base64] = line.split(' ');
  return { type: type!, base64: base64!, line };
}

async function asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: LDAP_URL, connectTimeout: 2000, timeout: 5000 });
  try {
    await client.bind(ADMIN_DN, readFileSync(ADMIN_PASSWORD_FILE, 'utf8'));
    return await work(client);
  } finally {
    await client.unbind();
  }
}

let nextNumber = 30000 + Math.floor(Math.random() * 10000);

/** A person of the tests' own under ou=people; `keys` are stored values (with comments). */
export async function addPerson(uid: string, keys: string[], extra: Record<string, string[]> = {}): Promise<string> {
  return addPersonEntry(`uid=${uid},${PEOPLE_DN}`, { uid, cn: uid }, keys, extra);
}

/**
 * A person named by `cn` instead of uid, so the uid attribute can hold anything, even a
 * string no DN would carry: `addPersonByCn('x', '*)(uid=*', keys)`.
 */
export async function addPersonByCn(cn: string, uid: string, keys: string[]): Promise<string> {
  return addPersonEntry(`cn=${cn},${PEOPLE_DN}`, { uid, cn }, keys, {});
}

async function addPersonEntry(dn: string, names: { uid: string; cn: string }, keys: string[], extra: Record<string, string[]>): Promise<string> {
  const number = String(nextNumber++);
  await asAdmin((client) =>
    client.add(dn, {
      objectClass: ['inetOrgPerson', 'posixAccount', 'ldapPublicKey'],
      uid: names.uid,
      cn: names.cn,
      sn: names.cn,
      uidNumber: number,
      gidNumber: number,
      homeDirectory: `/home/${names.cn}`,
      ...(keys.length > 0 ? { sshPublicKey: keys } : {}),
      ...extra,
    }),
  );
  return dn;
}

export async function setKeys(uid: string, keys: string[]): Promise<void> {
  await asAdmin((client) =>
    client.modify(`uid=${uid},${PEOPLE_DN}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'sshPublicKey', values: keys }) })),
  );
}

export async function removeEntry(dn: string): Promise<void> {
  await asAdmin((client) => client.del(dn)).catch((e: unknown) => {
    if ((e as { code?: unknown }).code !== 32) throw e; // already gone
  });
}

/** A groupOfNames of the tests' own under ou=groups. */
export async function addGroup(cn: string, memberDns: string[]): Promise<string> {
  const dn = `cn=${cn},${GROUPS_DN}`;
  await asAdmin((client) => client.add(dn, { objectClass: 'groupOfNames', cn, member: memberDns }));
  return dn;
}

/** A loopback port where nothing listens. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** A server that accepts connections and never says a word: a hung directory. */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

export function uniqueUid(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
