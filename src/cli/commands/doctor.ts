import { execFile } from 'node:child_process';
import type { CommandContext, CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { colorEnabled } from '../io.ts';
import { PROTOCOL_VERSION } from '../../protocol.ts';
import { VERSION } from '../../version.ts';
import { buildChecks, doctorExitCode, type DoctorFacts, type HostAnswer, type Outcome, type ToolProbe } from '../doctor/checks.ts';
import { checksDocument, renderChecks } from '../doctor/render.ts';

/** Each manager gets this long to answer: doctor is what people run when something hangs. */
const CONNECT_TIMEOUT_SECONDS = 5;

/** The first line `program --version` prints (ssh prints it on stderr), or that it is not there. */
function probeTool(program: string, args: readonly string[]): Promise<ToolProbe> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: 5000 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return resolve({ found: false });
      const line = `${stdout}\n${stderr}`.split('\n').find((l) => l.trim() !== '');
      resolve({ found: true, version: line?.trim() ?? '(it printed no version)' });
    });
  });
}

async function outcome<T>(work: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
  }
}

async function gatherFacts(ctx: CommandContext): Promise<DoctorFacts> {
  const [ssh, docker, context] = await Promise.all([probeTool('ssh', ['-V']), probeTool('docker', ['--version']), outcome(ctx.contexts.resolve(ctx.globals.context))]);
  if (!context.ok) return { ssh, docker, context, hosts: [] };
  const ask = { connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS };
  // Every manager at once: one that does not answer costs its timeout once, not once per host.
  const hosts = await Promise.all(
    context.value.context.hosts.map(async (host): Promise<HostAnswer> => {
      const started = Date.now();
      const answer = await outcome(ctx.agentOn(host, 'whoami', {}, ask));
      return { host, answer, ms: Date.now() - started };
    }),
  );
  const answered = hosts.find((h) => h.answer.ok);
  if (answered === undefined || !answered.answer.ok) return { ssh, docker, context, hosts };
  const [state, proxy] = await Promise.all([
    outcome(ctx.agentOn(answered.host, 'app.list', {}, ask).then((r) => ({ apps: r.apps.length }))),
    answered.answer.value.admin ? outcome(ctx.agentOn(answered.host, 'admin.proxy.status', {}, ask)) : undefined,
  ]);
  return { ssh, docker, context, hosts, state, ...(proxy ? { proxy } : {}) };
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .addHelpText(
      'after',
      `
Checks, each with the fix when it fails: the ssh client and docker CLI on this machine, the
context, SSH to each of its managers (unreachable, or a host key unknown or changed), the agent
and its protocol, who you are, the proxy (admins) and that the agent reads the state bucket.
Exits 1 when a check fails. A missing docker CLI is only a warning.`,
    )
    .addHelpText('after', examples('futuswarm doctor', 'futuswarm --context prod doctor --json'))
    .action(
      action(async (ctx) => {
        ctx.io.progress('checking this machine, the context and each manager');
        const checks = buildChecks(await gatherFacts(ctx), { cli: VERSION, protocol: PROTOCOL_VERSION });
        ctx.io.result(checksDocument(checks), () => renderChecks(checks, { color: ctx.globals.color && colorEnabled(process.stdout) }));
        return doctorExitCode(checks);
      }),
    );
};
