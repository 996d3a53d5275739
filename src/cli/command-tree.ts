/**
 * The whole command tree with every command's flags, which `futuswarm` itself never builds (a
 * run registers only the command it runs). Loads every command module: for shell completion.
 */
import type { Command } from 'commander';
import type { Command as TypedCommand } from '@commander-js/extra-typings';
import { VERSION } from '../version.ts';
import type { ActionWrapper } from './command.ts';
import { GLOBAL_OPTIONS } from './global-options.ts';
import { COMMANDS } from './registry.ts';

export async function loadCommandTree(): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command('futuswarm').version(VERSION, '-V, --version');
  for (const o of GLOBAL_OPTIONS) program.option(o.flags, o.description);
  // Nothing runs: the handlers are only needed to complete each registration.
  const inert: ActionWrapper = () => async () => undefined;
  for (const entry of COMMANDS) {
    const cmd = program.command(entry.name).description(entry.summary) as unknown as TypedCommand;
    const module = await entry.load();
    if (module.registerAll) await module.registerAll(cmd, inert);
    else module.register(cmd, inert);
  }
  return program;
}
