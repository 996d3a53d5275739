/**
 * Writes docs/cluster-file.md and docs/cluster-file.schema.json from the cluster file schema
 * (src/config/cluster-file.ts), and the IAM policies from src/core/plan-iam.ts: the admin's
 * (docs/admin-policy.json), and the managers' and workers' roles with placeholders for what
 * bootstrap fills in (docs/manager-policy.json, docs/worker-policy.json).
 * Run after changing either: node scripts/gen-cluster-docs.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clusterFileJsonSchema, renderClusterFileReference } from '../src/config/cluster-file-docs.ts';
import { buildAdminPolicy, documentedNodePolicies } from '../src/core/plan-iam.ts';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
writeFileSync(`${docs}cluster-file.md`, renderClusterFileReference());
writeFileSync(`${docs}cluster-file.schema.json`, `${JSON.stringify(clusterFileJsonSchema(), null, 2)}\n`);
writeFileSync(`${docs}admin-policy.json`, `${JSON.stringify(buildAdminPolicy(), null, 2)}\n`);
const nodes = documentedNodePolicies();
writeFileSync(`${docs}manager-policy.json`, `${JSON.stringify(nodes.manager, null, 2)}\n`);
writeFileSync(`${docs}worker-policy.json`, `${JSON.stringify(nodes.worker, null, 2)}\n`);
process.stdout.write('wrote docs/cluster-file.md, docs/cluster-file.schema.json, docs/admin-policy.json, docs/manager-policy.json and docs/worker-policy.json\n');
