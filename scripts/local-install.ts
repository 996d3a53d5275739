/**
 * What the local cluster installs on its nodes, made by the same code as a real cluster's:
 *
 *   node scripts/local-install.ts agent <prefix> <cluster file>
 *       the agent bundle's files (src/core/agent-bundle.ts, as `cluster:bootstrap` packs them)
 *       into <prefix>, root-owned; prints what changed
 *   node scripts/local-install.ts config <cluster file> <settings JSON>
 *       agent.yaml on stdout: buildAgentConfig (as cloud-init writes it) with the local
 *       cluster's settings over it (moto, the LDAP rig, PostgreSQL and Redis on this machine),
 *       validated by the agent's own schema
 *   node scripts/local-install.ts sshd <settings JSON>
 *       an sshd_config on stdout: a private listener with the cluster's own Match block
 *       (templates/sshd_config.futuswarm)
 *
 * scripts/local-cluster.sh (the manager) and scripts/local-node.sh (other nodes) run it; shell
 * keeps only what must be shell (namespaces and daemons).
 */
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import * as z from 'zod';
import { agentConfigSchema } from '../src/config/agent-config.ts';
import { agentBundleHash, agentBundleSources } from '../src/aws/agent-bundle.ts';
import { loadClusterFile, type ClusterConfig } from '../src/config/cluster-file.ts';
import { agentWrapperScript, type BundleFile } from '../src/core/agent-bundle.ts';
import { parseWith } from '../src/core/errors.ts';
import { buildAgentConfig, renderTemplate } from '../src/core/plan-cloud-init.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

type Json = Record<string, unknown>;

/** `over` laid over `base`, object by object; arrays and scalars replace; `null` removes a key. */
export function overlay(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    if (value === null) delete out[key];
    else if (isObject(value) && isObject(current)) out[key] = overlay(current, value);
    else out[key] = value;
  }
  return out;
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What the local cluster sets differently from a real manager's agent.yaml. */
export const localSettingsSchema = z.strictObject({
  bucket: z.string(),
  nodePublicKey: z.string().optional(),
  role: z.enum(['manager', 'worker']).default('manager'),
  overrides: z.record(z.string(), z.unknown()),
});

/**
 * The local agent.yaml: the real builder's document, then the local settings over it, then
 * the agent's schema. A setting the agent would refuse fails here, at install.
 */
export function localAgentConfig(cluster: ClusterConfig, settings: z.input<typeof localSettingsSchema>): Json {
  const s = localSettingsSchema.parse(settings);
  const real = buildAgentConfig(cluster, { role: s.role, bucket: s.bucket, nodePublicKey: s.nodePublicKey ?? '' });
  // Without a node key yet (the first run makes it), there is no node channel to describe.
  const base = s.nodePublicKey ? real : overlay(real, { nodeChannel: null });
  const merged = overlay(base, s.overrides);
  parseWith(agentConfigSchema, merged, 'local agent config', { code: 'config' });
  return merged;
}

export const sshdSettingsSchema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  listen: z.string().min(1),
  hostKey: z.string().regex(/^\//),
  pidFile: z.string().regex(/^\//),
  agentCommand: z.string().regex(/^\/[\w./-]+$/),
  account: z.string().regex(/^[a-z_][a-z0-9_-]*$/),
  /** Who wrote it, for the header. */
  owner: z.string().min(1),
});

/**
 * A private sshd for one local node: key logins for the cluster's account only, then the same
 * Match block that cloud-init appends to a real node's sshd_config.
 */
export function localSshdConfig(settings: z.input<typeof sshdSettingsSchema>, template: string): string {
  const s = sshdSettingsSchema.parse(settings);
  const match = template.slice(template.indexOf('\nMatch ') + 1);
  return [
    `# Private sshd of the local futuswarm cluster (${s.owner}). Do not edit.`,
    `Port ${s.port}`,
    `ListenAddress ${s.listen}`,
    `HostKey ${s.hostKey}`,
    `PidFile ${s.pidFile}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'AuthorizedKeysFile none',
    `AllowUsers ${s.account}`,
    'UsePAM no',
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    '',
    renderTemplate(match, { agentCommand: s.agentCommand }, 'templates/sshd_config.futuswarm'),
  ].join('\n');
}

/** Write the bundle's files under `prefix` as a real node has them; returns what changed. */
function installBundle(files: readonly BundleFile[], prefix: string): string[] {
  const changed: string[] = [];
  for (const f of files) {
    const target = join(prefix, f.path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    const content = 'text' in f.source ? Buffer.from(f.source.text, 'utf8') : readFileSync(f.source.file);
    // Sizes first: bin/node is 100 MB, and most runs change nothing.
    const same = existsSync(target) && statSync(target).size === content.length && (statSync(target).mode & 0o777) === f.mode && readFileSync(target).equals(content);
    if (same) continue;
    // A new file next to the old, then rename: an agent starting meanwhile sees one or the other.
    const temp = `${target}.new`;
    if ('text' in f.source) writeFileSync(temp, content);
    else copyFileSync(f.source.file, temp);
    chmodSync(temp, f.mode);
    chownSync(temp, 0, 0);
    renameSync(temp, target);
    changed.push(f.path);
  }
  // Chunks no build names any more.
  const chunks = join(prefix, 'lib', 'chunks');
  const wanted = new Set(files.map((f) => join(prefix, f.path)));
  if (existsSync(chunks)) {
    for (const name of readdirSync(chunks)) {
      if (!wanted.has(join(chunks, name))) rmSync(join(chunks, name));
    }
  }
  return changed;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'agent' && rest.length === 2) {
    const [prefix, clusterFile] = rest as [string, string];
    const files = agentBundleSources(await loadClusterFile(clusterFile), ROOT).map((f) =>
      // The same wrapper, for wherever this prefix is.
      f.path === 'bin/futuswarm-agent' ? { ...f, source: { text: agentWrapperScript(prefix) } } : f,
    );
    const changed = installBundle(files, prefix);
    // As the install script records it: `admin agent:upgrade` then knows this node runs that bundle.
    const hashFile = join(prefix, 'bundle-hash');
    const hash = `${agentBundleHash(files)}\n`;
    if (!existsSync(hashFile) || readFileSync(hashFile, 'utf8') !== hash) {
      writeFileSync(`${hashFile}.new`, hash, { mode: 0o644 });
      renameSync(`${hashFile}.new`, hashFile);
    }
    const chunks = changed.filter((p) => p.startsWith('lib/chunks/')).length;
    const named = changed.filter((p) => !p.startsWith('lib/chunks/')).map((p) => p.split('/').at(-1));
    process.stdout.write(changed.length === 0 ? `agent up to date in ${prefix}\n` : `installed ${[...named, ...(chunks ? [`${chunks} chunk(s)`] : [])].join(' ')} in ${prefix}\n`);
    return 0;
  }
  if (command === 'config' && rest.length === 2) {
    const [clusterFile, settings] = rest as [string, string];
    const config = localAgentConfig(await loadClusterFile(clusterFile), JSON.parse(settings) as z.input<typeof localSettingsSchema>);
    process.stdout.write(`# The local cluster's agent config (scripts/local-install.ts): the real builder's, with local settings.\n${stringify(config, { lineWidth: 0 })}`);
    return 0;
  }
  if (command === 'sshd' && rest.length === 1) {
    const template = readFileSync(join(ROOT, 'templates', 'sshd_config.futuswarm'), 'utf8');
    process.stdout.write(localSshdConfig(JSON.parse(rest[0] as string) as z.input<typeof sshdSettingsSchema>, template));
    return 0;
  }
  process.stderr.write('usage: node scripts/local-install.ts agent <prefix> <cluster file> | config <cluster file> <settings JSON> | sshd <settings JSON>\n');
  return 2;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`local-install: ${e.message}\n`);
      process.exit(1);
    },
  );
}
