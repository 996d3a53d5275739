/**
 * The whole command tree with every command's flags, which `futuswarm` itself never builds (a
 * run registers only the command it runs). Loads every command module: for shell completion.
 */
import type { Command } from 'commander';
import type { Command as TypedCommand } from '@commander-js/extra-typings';
import { VERSION } from '../version.ts';
import type { ActionWrapper } from './command.ts';
import { GLOBAL_OPTIONS } from './global-options.ts';
import { ALIASES, aliasSummary, COMMANDS, type CommandEntry } from './registry.ts';

export async function loadCommandTree(): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command('futuswarm').version(VERSION, '-V, --version');
  for (const o of GLOBAL_OPTIONS) program.option(o.flags, o.description);
  for (const entry of COMMANDS) await registerEntry(program.command(entry.name).description(entry.summary), entry);
  // An alias completes as what it stands for: a copy of that command under the alias's name.
  for (const alias of ALIASES) {
    const [top, ...subs] = alias.to;
    const entry = COMMANDS.find((c) => c.name === top);
    if (!entry) throw new Error(`alias ${alias.name} stands for ${top}, which is no command`);
    let target = await registerEntry(new Command(top), entry);
    for (const sub of subs) {
      const next = target.commands.find((c) => c.name() === sub);
      if (!next) throw new Error(`alias ${alias.name} stands for ${alias.to.join(' ')}, which is no command`);
      target = next;
    }
    program.addCommand(target.name(alias.name).description(aliasSummary(alias)));
  }
  return program;
}

/** Nothing runs: the handlers are only needed to complete each registration. */
const inert: ActionWrapper = () => async () => undefined;

async function registerEntry(cmd: Command, entry: CommandEntry): Promise<Command> {
  const module = await entry.load();
  if (module.registerAll) await module.registerAll(cmd as unknown as TypedCommand, inert);
  else module.register(cmd as unknown as TypedCommand, inert);
  return cmd;
}
