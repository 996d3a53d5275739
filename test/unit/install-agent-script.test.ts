/**
 * templates/install-agent.sh as written, run for real with the AWS CLI replaced by a stand-in:
 * what a node does at first boot and at every `admin agent:upgrade`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCloudInitTemplates } from '../../src/admin/bootstrap.ts';
import { shellEnvFile } from '../../src/core/plan-cloud-init.ts';

const templates = loadCloudInitTemplates();

test('the install script replaces the agent file by file, records the bundle hash, and refuses an agent that does not start', () => {
  // The script as written, with aws replaced by a stand-in (it writes the object to the last
  // argument and prints the content-hash metadata the query asks for) and directories of the test's own.
  const work = mkdtempSync(join(tmpdir(), 'fs-install-'));
  const bin = join(work, 'bin');
  const prefix = join(work, 'opt');
  const src = join(work, 'bundle');
  execFileSync('mkdir', ['-p', bin, join(src, 'bin'), join(src, 'lib', 'chunks')]);
  const hash = `sha256:${'ab'.repeat(32)}`;
  writeFileSync(join(bin, 'aws'), `#!/bin/sh\nfor last; do :; done\ncp ${join(work, 'bundle.tar.gz')} "$last"\necho ${hash}\n`, { mode: 0o755 });
  const envFile = join(work, 'node.env');
  writeFileSync(envFile, shellEnvFile({ FUTUSWARM_REGION: 'eu-north-1', FUTUSWARM_BUCKET: 'b', FUTUSWARM_AGENT_BUNDLE: 'dist/agent.tar.gz' }));
  const script = join(work, 'install-agent.sh');
  writeFileSync(script, templates.installAgent.replace('/etc/futuswarm/node.env', envFile).replaceAll('/opt/futuswarm', prefix).replace('/run/futuswarm-agent.tar.gz', join(work, 'dl.tar.gz')));
  const install = (agent: string, chunk: string) => {
    execFileSync('rm', ['-rf', join(src, 'lib', 'chunks')]);
    execFileSync('mkdir', ['-p', join(src, 'lib', 'chunks')]);
    writeFileSync(join(src, 'bin', 'futuswarm-agent'), agent, { mode: 0o755 });
    writeFileSync(join(src, 'bin', 'node'), '#!/bin/sh\necho v24.0.0\n', { mode: 0o755 });
    writeFileSync(join(src, 'lib', 'agent.js'), `import './chunks/${chunk}';\n`);
    writeFileSync(join(src, 'lib', 'chunks', chunk), chunk);
    execFileSync('tar', ['-czf', join(work, 'bundle.tar.gz'), '-C', src, '.']);
    try {
      return { code: 0, out: execFileSync('sh', [script], { env: { PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', stdio: 'pipe' }) };
    } catch (e) {
      const err = e as { status: number; stderr: string };
      return { code: err.status, out: err.stderr };
    }
  };
  assert.deepEqual(install('#!/bin/sh\necho 1.2.3\n', 'one.js'), { code: 0, out: `futuswarm: agent 1.2.3 installed in ${prefix} (bundle ${hash})\n` });
  assert.equal(readFileSync(join(prefix, 'bundle-hash'), 'utf8'), `${hash}\n`);
  assert.equal(readFileSync(join(prefix, 'lib', 'agent.js'), 'utf8'), "import './chunks/one.js';\n");
  // A newer bundle: its files replace the old ones; the old chunk stays for an agent still draining.
  const inode = statSync(join(prefix, 'lib', 'agent.js')).ino;
  assert.equal(install('#!/bin/sh\necho 1.2.4\n', 'two.js').code, 0);
  assert.notEqual(statSync(join(prefix, 'lib', 'agent.js')).ino, inode, 'replaced by rename, not rewritten in place');
  assert.deepEqual(readdirSync(join(prefix, 'lib', 'chunks')).sort(), ['one.js', 'two.js']);
  assert.equal(statSync(join(prefix, 'bin')).mode & 0o777, 0o755);
  assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('opt.new')), [], 'the staging directory is gone');
  // What a Node for another architecture or C library does when started: exec fails.
  const bad = install('#!/bin/sh\necho "exec: node: cannot execute binary file: Exec format error" >&2; exit 126\n', 'three.js');
  assert.equal(bad.code, 1);
  assert.match(bad.out, /^futuswarm: the agent installed in .* does not start: exec: node: cannot execute binary file: Exec format error$/m);
});

