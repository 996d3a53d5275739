/** The futuswarm CLI: argv in, one command out, its exit code back (src/cli/exit.ts ends the process with it). */
import type { Command } from 'commander';
import { join } from 'node:path';
import { FutuswarmError, isFutuswarmError } from '../core/errors.ts';
import { VERSION } from '../version.ts';
import type { Command as TypedCommand } from '@commander-js/extra-typings';
import type { ActionWrapper, CommandContext, GlobalOptions, Handler } from './command.ts';
import type { OpResult } from '../results/index.ts';
import type { Op } from '../protocol.ts';
import type { ClusterContext, ContextStore } from './contexts.ts';
import type { AgentChannel } from '../ssh/agent-client.ts';
import type { SshTarget } from '../ssh/ssh-args.ts';
import type { AgentConnection } from '../ssh/agent-connection.ts';
import { EXIT, exitCodeFor } from './exit-code.ts';
import { colorEnabled, TerminalIo, type Io } from './io.ts';
import { ALIASES, aliasSummary, COMMANDS, expandAlias } from './registry.ts';
import { GLOBAL_OPTIONS } from './global-options.ts';

/** Global options that take a value, so the command name can be found without loading anything. */
const VALUE_OPTIONS = new Set(['--context']);

/** Where the command name stands in argv, or -1. */
export function findCommandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return -1;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return i;
  }
  return -1;
}

export function findCommandName(argv: readonly string[]): string | undefined {
  const at = findCommandIndex(argv);
  return at < 0 ? undefined : argv[at];
}

const DESCRIPTION = 'Deploy containers by name to your own Docker Swarm cluster, over SSH.';

/**
 * `futuswarm --help` and `--version` answer without loading commander: they are what people
 * run most often to find their way, and commander alone costs more than Node's own start-up.
 */
export function renderTopLevelHelp(): string {
  const options = [{ flags: '-V, --version', description: 'output the version number' }, ...GLOBAL_OPTIONS, { flags: '-h, --help', description: 'display help for command' }];
  const commands = [...COMMANDS.map((c) => ({ flags: c.name, description: c.summary })), { flags: 'help [command]', description: 'display help for command' }];
  const aliases = ALIASES.map((a) => ({ flags: a.name, description: aliasSummary(a) }));
  const width = Math.max(...[...options, ...commands].map((o) => o.flags.length)) + 2;
  const rows = (list: { flags: string; description: string }[]) => list.map((o) => `  ${o.flags.padEnd(width)}${o.description}`).join('\n');
  return `Usage: futuswarm [options] [command]\n\n${DESCRIPTION}\n\nOptions:\n${rows(options)}\n\nCommands:\n${rows(commands)}\n\nAliases:\n${rows(aliases)}\n\nRun futuswarm <command> --help for a command's flags and examples.\n`;
}

async function buildProgram(json: boolean): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command('futuswarm').description(DESCRIPTION).version(VERSION, '-V, --version');
  for (const o of GLOBAL_OPTIONS) program.option(o.flags, o.description);
  program.configureHelp({ sortSubcommands: false });
  if (!json) return program.showHelpAfterError('(run with --help for usage)');
  // With --json, a usage error is a JSON error like any other, so scripts need one parser.
  return program.configureOutput({
    outputError: (text) => {
      const message = text.replace(/^error: /, '').trim();
      makeIo({ json: true, quiet: false, verbose: false, color: false }).error(new FutuswarmError('invalid_input', message, { hint: 'run with --help for usage' }));
    },
  });
}

function globalsOf(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Record<string, unknown>;
  return {
    context: typeof o.context === 'string' ? o.context : undefined,
    json: o.json === true,
    quiet: o.quiet === true,
    verbose: o.verbose === true,
    color: o.color !== false,
  };
}

function makeIo(g: GlobalOptions): Io {
  return new TerminalIo({ mode: g.json ? 'json' : 'human', quiet: g.quiet, verbose: g.verbose, color: g.color && colorEnabled(process.stderr) });
}

function sshTarget(context: ClusterContext, host: string): SshTarget {
  return { host, port: context.port, user: context.user, identityFile: context.identityFile, knownHostsFile: context.knownHostsFile };
}

async function makeContext(io: Io, globals: GlobalOptions): Promise<CommandContext> {
  // Loaded per command, not at start-up: `--help` must not pay for zod and YAML.
  const { ContextStore, cacheDir } = await import('./contexts.ts');
  const contexts: ContextStore = new ContextStore();
  const controlDir = join(cacheDir(), 'ssh');

  /** The context's managers in the order to try them, and how long to wait for each. */
  async function managers() {
    const [{ name, context }, { answeredHostPath, readAnsweredHost, rememberAnsweredHost }, { connectTimeoutSeconds, orderHosts, tryHosts }] = await Promise.all([
      contexts.resolve(globals.context),
      import('./answered-host.ts'),
      import('../ssh/failover.ts'),
    ]);
    const memory = answeredHostPath(cacheDir(), name);
    const hosts = orderHosts(context.hosts, readAnsweredHost(memory));
    const first = hosts[0] !== context.hosts[0] ? ` (${hosts[0]} first: it answered last time)` : '';
    io.debug(`context ${name}: ${context.user}@${hosts.join(',')}:${context.port}${first}`);
    return { context, hosts, timeout: connectTimeoutSeconds(hosts.length), remember: (host: string) => rememberAnsweredHost(memory, host), tryHosts };
  }

  /** Every connection to the agent: the context's managers in turn, until one connects. */
  async function toAnyManager<T>(
    connect: (target: SshTarget, connectTimeoutSeconds: number) => Promise<T>,
    planned?: Awaited<ReturnType<typeof managers>>,
  ): Promise<T> {
    const { context, hosts, timeout, remember, tryHosts } = planned ?? (await managers());
    const { value, host } = await tryHosts(hosts, (h) => connect(sshTarget(context, h), timeout), { port: context.port, onSkip: (m) => io.debug(m) });
    if (host !== hosts[0]) remember(host);
    return value;
  }

  /** Tests check every answer against its schema; a user gets it as it came. */
  async function checked<O extends Op>(op: O, result: unknown): Promise<OpResult<O>> {
    if (process.env.FUTUSWARM_CHECK_RESULTS !== '1') return result as OpResult<O>;
    const { checkResult } = await import('../results/index.ts');
    return checkResult(op, result);
  }

  return {
    io,
    globals,
    contexts,
    async relay(op, args) {
      const { openRelay } = await import('../ssh/agent-relay.ts');
      return toAnyManager((target, connectTimeoutSeconds) =>
        openRelay(target, op, args, { controlDir, connectTimeoutSeconds, onProgress: (message) => io.progress(message) }),
      );
    },
    async agent(op, args, flags, options = {}) {
      const planning = managers();
      planning.catch(() => undefined); // an invalid argument is the error to report first
      const [{ validateArgs }, { requestLine }, { openAgentConnection }] = await Promise.all([
        import('./validate-args.ts'),
        import('../protocol.ts'),
        import('../ssh/agent-connection.ts'),
      ]);
      // Nothing leaves this machine, not even a connection, before the arguments are valid.
      const valid = validateArgs(op, args, flags) as Record<string, unknown>;
      const planned = await planning;
      // Sent at once to the first manager: the code that reads the answer loads while the agent works.
      const firstHost = planned.hosts[0];
      let first: AgentConnection | undefined;
      if (firstHost !== undefined) {
        first = openAgentConnection(sshTarget(planned.context, firstHost), { controlDir, connectTimeoutSeconds: planned.timeout });
        first.send(requestLine(op, valid, options.lockWaitSeconds), options.keepOpen === true || options.onChannel !== undefined);
      }
      const { callAgent } = await import('../ssh/agent-client.ts');
      // The caller gets one channel; it speaks to whichever connection is the live one.
      let live: AgentChannel | undefined;
      options.onChannel?.({ send: (message) => live?.send(message) });
      const result = await toAnyManager((target, connectTimeoutSeconds) => {
        // The first attempt goes on that connection; a later one is to another manager.
        const connection = first?.target.host === target.host ? first : undefined;
        first = undefined;
        return callAgent(target, op, valid, {
          ...(connection ? { connection } : {}),
          ...(options.lockWaitSeconds !== undefined ? { lockWaitSeconds: options.lockWaitSeconds } : {}),
          ...(options.keepOpen ? { keepOpen: true } : {}),
          ...(options.onChannel ? { onChannel: (channel: AgentChannel) => (live = channel) } : {}),
          ...(options.interrupt ? { interrupt: options.interrupt } : {}),
          controlDir,
          connectTimeoutSeconds,
          onEvent:
            options.onEvent ??
            ((event) => {
              if (event.type === 'progress') io.progress(event.message);
              else if (event.type === 'log') io.log(event.source ?? 'agent', event.line);
            }),
        });
      }, planned);
      return checked(op, result);
    },
    async agentOn(host, op, args, options = {}) {
      const [{ validateArgs }, { callAgent }] = await Promise.all([import('./validate-args.ts'), import('../ssh/agent-client.ts')]);
      const valid = validateArgs(op, args);
      const { context } = await contexts.resolve(globals.context);
      const result = await callAgent(sshTarget(context, host), op, valid as Record<string, unknown>, {
        controlDir,
        ...(options.connectTimeoutSeconds !== undefined ? { connectTimeoutSeconds: options.connectTimeoutSeconds } : {}),
        onEvent: () => undefined,
      });
      return checked(op, result);
    },
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  // `help <command> [sub]` is `<command> [sub] --help`: commands register their flags only when
  // they run, so commander's own help command would show them empty.
  const helpAt = argv.indexOf('help');
  if (helpAt >= 0 && findCommandName(argv) === 'help') {
    const rest = argv.slice(helpAt + 1);
    if (rest.every((a) => a === '--json')) return main(['--help']);
    // An unknown name gets the unknown-command error, with its suggestion.
    const known = COMMANDS.some((c) => c.name === rest[0]) || ALIASES.some((a) => a.name === rest[0]);
    return main([...argv.slice(0, helpAt), ...rest, ...(known ? ['--help'] : [])]);
  }
  // `ps -n shop` is `app:inspect -n shop`: an alias is its words, then everything runs as they do.
  const at = findCommandIndex(argv);
  if (at >= 0 && ALIASES.some((a) => a.name === argv[at])) return main(expandAlias(argv, at));
  const name = findCommandName(argv);
  const entry = COMMANDS.find((c) => c.name === name);
  const json = argv.slice(0, argv.indexOf('--') >= 0 ? argv.indexOf('--') : argv.length).includes('--json');
  if (!entry && name === undefined) {
    const asked = argv.filter((a) => a !== '--json');
    if (asked.length === 1 && (asked[0] === '--version' || asked[0] === '-V')) {
      process.stdout.write(json ? `${JSON.stringify({ version: VERSION })}\n` : `${VERSION}\n`);
      return EXIT.ok;
    }
    if (argv.length === 0 || (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h'))) {
      process.stdout.write(renderTopLevelHelp());
      return EXIT.ok;
    }
  }
  const program = await buildProgram(json);
  program.exitOverride();
  let exitCode = 0;

  const action: ActionWrapper = <Opts>(handler: Handler<Opts>) =>
    async function (this: Command, ...commanderArgs: unknown[]) {
      const cmd = commanderArgs[commanderArgs.length - 1] as Command;
      const globals = globalsOf(cmd);
      const io = makeIo(globals);
      try {
        // A subcommand sees its parent's options too (`app:domains -n shop add …`).
        const code = await handler(await makeContext(io, globals), cmd.optsWithGlobals<Opts & Record<string, unknown>>(), cmd.args);
        exitCode = code ?? EXIT.ok;
      } catch (e) {
        io.error(isFutuswarmError(e) ? e : (e as Error));
        exitCode = exitCodeFor(e);
      }
    };

  if (entry) {
    const cmd = program.command(entry.name).description(entry.summary);
    // The same Command at run time; its extra typings give each command typed options.
    (await entry.load()).register(cmd as unknown as TypedCommand, action);
  } else {
    // Every name and alias, so that commander's did-you-mean offers them all.
    for (const c of COMMANDS) program.command(c.name).description(c.summary);
    for (const a of ALIASES) program.command(a.name).description(aliasSummary(a));
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const { CommanderError } = await import('commander');
    const io = makeIo({ json, quiet: false, verbose: false, color: true });
    if (e instanceof CommanderError) {
      // commander has said what was wrong (as a JSON error with --json, see buildProgram), but for
      // a missing subcommand, where it shows the help on stderr: a script needs the JSON error.
      if (json && e.code === 'commander.help' && e.exitCode !== 0) {
        const what = name === undefined ? 'futuswarm' : `futuswarm ${name}`;
        io.error(new FutuswarmError('invalid_input', `${what} needs a command`, { hint: `${what} --help lists them` }));
      }
    } else {
      io.error(isFutuswarmError(e) ? e : new FutuswarmError('internal', String((e as Error)?.message ?? e), { cause: e }));
    }
    return exitCodeFor(e);
  }
  return exitCode;
}
