/**
 * The local cluster's PostgreSQL plays the shared RDS instance that `admin cluster:bootstrap`
 * created in moto: give it the master role RDS would have, with the password bootstrap stored
 * (encrypted) in the state bucket. Like RDS's master user, the role may create databases and
 * roles but is no superuser. Run by scripts/local-cluster.sh with AWS_* pointing at moto:
 *
 *   node scripts/local-shared-db.ts <cluster file> <superuser password file> <port>
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { clusterLocation } from '../src/aws/account.ts';
import { sharedDatabaseAdmin } from '../src/aws/rds.ts';
import { loadClusterFile } from '../src/config/cluster-file.ts';

const [file, passwordFile, port] = process.argv.slice(2);
if (file === undefined || passwordFile === undefined || port === undefined) {
  process.stderr.write('usage: node scripts/local-shared-db.ts <cluster file> <superuser password file> <port>\n');
  process.exit(2);
}

const config = await loadClusterFile(file);
const { bucket } = await clusterLocation(config);
const master = await sharedDatabaseAdmin(config, { endpointOverride: { host: '127.0.0.1', port: Number(port) } });
const superuser = new pg.Client({ host: '127.0.0.1', port: Number(port), user: 'postgres', password: readFileSync(passwordFile, 'utf8').trim(), database: 'postgres' });
await superuser.connect();
try {
  const role = superuser.escapeIdentifier(master.username);
  const exists = await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [master.username]);
  await superuser.query(`${exists.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${role} WITH LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD ${superuser.escapeLiteral(master.password)}`);
} finally {
  await superuser.end();
}
process.stdout.write(`shared database role ${master.username} on 127.0.0.1:${port} (password from s3://${bucket})\n`);
