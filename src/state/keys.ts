/**
 * Where each concern lives in the state bucket. Every write is conditional on what was read
 * (If-Match on its ETag, If-None-Match `*` to create), so two agents changing the same thing
 * never lose an update silently.
 *
 *   apps/<app>/secrets          envelope-encrypted KEY → value map (KMS context {cluster, app})
 *   apps/<app>/releases/<n>     JSON release record, written once (If-None-Match)
 *   apps/<app>/settings         JSON object (port, replicas, domains, health check, …)
 *   apps/<app>/acl              JSON {owners, …}; created once, so one app has one first owner
 *   apps/<app>/lock             JSON {token, user, op, message, since, expiresAt}
 *   app-records/<app>           JSON {app, createdBy, createdAt, domains}: an app made by app:create
 *   domains/<host>              which app holds an extra host name
 *   nodes/<addr>                a node's SSH host keys
 *   cluster/agent/leader        JSON {holder, since, expiresAt}: the resident agent that runs periodic work
 *   audit/<yyyy>/<mm>/<dd>/<HHMMSS.mmm>Z-<random>.json   one record per mutating request
 */
import { LDAP_BIND_PASSWORD_OBJECT_KEY, NODE_KEY_OBJECT_KEY } from '../core/plan-names.ts';

export const stateKeys = {
  app: (app: string) => `apps/${app}/`,
  secrets: (app: string) => `apps/${app}/secrets`,
  settings: (app: string) => `apps/${app}/settings`,
  acl: (app: string) => `apps/${app}/acl`,
  lock: (app: string) => `apps/${app}/lock`,
  releases: (app: string) => `apps/${app}/releases/`,
  /** One object per extra host name: whoever creates it first owns the name. */
  domain: (host: string) => `domains/${host}`,
  release: (app: string, n: number) => `apps/${app}/releases/${n}`,
  /** One small object per app, under one prefix: listing every app is one listing. */
  appRecords: 'app-records/',
  appRecord: (app: string) => `app-records/${app}`,
  audit: 'audit/',
  /** The cluster's node key (managers → nodes, for app:exec on other nodes), KMS-sealed. */
  nodeKey: NODE_KEY_OBJECT_KEY,
  /** The password the agent binds to LDAP with, KMS-sealed (admin cluster:ldap-password stores it). */
  ldapBindPassword: LDAP_BIND_PASSWORD_OBJECT_KEY,
  /** One object per node address: the SSH host keys managers check when they connect to it. */
  node: (addr: string) => `nodes/${addr}`,
  /** The lease of the resident agent that runs the cluster's periodic work. */
  leader: 'cluster/agent/leader',
};

/**
 * What read-only ops of the resident agent may read from its memory, a few seconds old
 * (src/state/cached-reads.ts): apps' records, settings, sealed secrets, releases and owners, the
 * reads behind app:list and app:inspect. The owners there only decide what a read shows (an
 * owner sees the health command, src/agent/owners-only.ts); whether a request may act on an app
 * is decided on a fresh read (src/agent/acl.ts `authorize`). Never locks, domains, leases or the
 * cluster's keys: who holds what is always read from S3.
 */
export function readCacheable(key: string): boolean {
  return key.startsWith(stateKeys.appRecords) || /^apps\/[^/]+\/(?:settings|secrets|acl|releases\/(?:\d+)?)$/.test(key);
}
