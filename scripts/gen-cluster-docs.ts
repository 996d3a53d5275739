/**
 * Writes docs/cluster-file.md and docs/cluster-file.schema.json from the cluster file schema
 * (src/config/cluster-file.ts), and docs/admin-policy.json from src/core/plan-iam.ts.
 * Run after changing either: node scripts/gen-cluster-docs.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clusterFileJsonSchema, renderClusterFileReference } from '../src/config/cluster-file-docs.ts';
import { buildAdminPolicy } from '../src/core/plan-iam.ts';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
writeFileSync(`${docs}cluster-file.md`, renderClusterFileReference());
writeFileSync(`${docs}cluster-file.schema.json`, `${JSON.stringify(clusterFileJsonSchema(), null, 2)}\n`);
writeFileSync(`${docs}admin-policy.json`, `${JSON.stringify(buildAdminPolicy(), null, 2)}\n`);
process.stdout.write('wrote docs/cluster-file.md, docs/cluster-file.schema.json and docs/admin-policy.json\n');
