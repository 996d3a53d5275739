/**
 * The CLI from source with no cluster at all: a fresh config and cache, one context whose
 * manager nobody runs, and `ssh` and `docker` on PATH that only note that they were called.
 * What must fail before any connection is checked with `contacted()`. Given `answers`, ssh
 * answers each request whose op is among them with that result, as the agent would (a
 * `result` event), so a command's output can be checked without a cluster.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli, SOURCE_CLI, type CliResult } from './cli.ts';

export interface OfflineCli {
  env: Record<string, string>;
  home: string;
  run(args: readonly string[], options?: { input?: string; env?: Record<string, string> }): Promise<CliResult>;
  /** Each call of ssh or docker so far, as `ssh <args>`. */
  contacted(): string[];
  /** What was sent to the agent so far: the first line ssh got on stdin, parsed. */
  requests(): unknown[];
}

/** Results by op, e.g. `{ 'app.list': { apps: [] } }`. */
export type AgentAnswers = Record<string, unknown>;

export async function offlineCli(options: { answers?: AgentAnswers } = {}): Promise<OfflineCli> {
  const home = mkdtempSync(join(tmpdir(), 'futuswarm-offline-'));
  const bin = join(home, 'bin');
  const calls = join(home, 'calls');
  const sent = join(home, 'requests');
  mkdirSync(bin);
  // What each says is what the real one says when nothing listens (ssh) or no daemon runs (docker).
  const says = { ssh: 'ssh: connect to host 127.0.0.1 port 9: Connection refused', docker: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' };
  for (const [tool, message] of Object.entries(says)) {
    // ssh keeps the request's line (one line: a call that keeps stdin open wrote it already).
    const keep = tool === 'ssh' ? `head -n 1 >> "${sent}"\n` : '';
    writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${calls}"\n${keep}echo "${message}" >&2\nexit 255\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  if (options.answers) writeAnsweringSsh(join(bin, 'ssh'), options.answers, { calls, sent, refused: says.ssh });
  const env: Record<string, string> = {
    HOME: home,
    PATH: [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    NO_COLOR: '1',
    // Node keeps what it compiled of the source (types stripped) for the next run: 3 times faster.
    NODE_COMPILE_CACHE: join(tmpdir(), 'futuswarm-test-compile-cache'),
    // Every answer is checked against its op's result schema, as under npm test.
    FUTUSWARM_CHECK_RESULTS: '1',
  };
  const cli: OfflineCli = {
    env,
    home,
    run: (args, options = {}) => runCli(args, { entry: SOURCE_CLI, ...options, env: { ...env, ...options.env } }),
    contacted: () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter((l) => l !== '') : []),
    requests: () => (existsSync(sent) ? readFileSync(sent, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) : []),
  };
  const added = await cli.run(['context', 'add', 'nowhere', '--host', '127.0.0.1', '--port', '9', '--domain', 'apps.example.test', '--use']);
  if (added.code !== 0) throw new Error(`context add failed: ${added.stderr}`);
  return cli;
}

/** An ssh (run by this Node) that notes its call and request, and answers the request's op from `answers`; other ops are refused. */
function writeAnsweringSsh(path: string, answers: AgentAnswers, files: { calls: string; sent: string; refused: string }): void {
  const answersFile = `${path}.answers.json`;
  writeFileSync(answersFile, JSON.stringify(answers));
  const script = `#!${process.execPath}
const { appendFileSync, readFileSync } = require('node:fs');
appendFileSync(${JSON.stringify(files.calls)}, 'ssh ' + process.argv.slice(2).join(' ') + '\\n');
const answers = JSON.parse(readFileSync(${JSON.stringify(answersFile)}, 'utf8'));
let input = '';
process.stdin.setEncoding('utf8').on('data', (chunk) => {
  input += chunk;
  const end = input.indexOf('\\n');
  if (end < 0) return;
  const line = input.slice(0, end);
  appendFileSync(${JSON.stringify(files.sent)}, line + '\\n');
  const { op } = JSON.parse(line);
  if (!Object.hasOwn(answers, op)) {
    process.stderr.write(${JSON.stringify(files.refused)} + '\\n');
    process.exit(255);
  }
  process.stdout.write(JSON.stringify({ type: 'result', data: answers[op] }) + '\\n', () => process.exit(0));
});
`;
  writeFileSync(path, script);
  chmodSync(path, 0o755);
}
