/**
 * Every destructive command (app:remove, app:secrets unset, app:images --prune, db:destroy,
 * cache:destroy, admin node:remove, admin cluster:destroy) is confirmed here, the same way:
 * `--confirm NAME` is checked; without it a terminal asks for the name, and anywhere else the
 * command is refused. A refusal is exit 2 and nothing is sent, so nothing changes.
 */
import { confirmationQuestion, confirmationRefused, type ConfirmedBy, type Destruction } from '../core/confirm.ts';
import { visibleText } from '../core/terminal-text.ts';
import { parseWith } from '../core/errors.ts';
import { appName } from '../core/names.ts';
import { askLine } from './prompt.ts';

/** Where the question is asked: a person at a terminal, or nobody (a script, a pipe). */
export interface ConfirmTerminal {
  interactive: boolean;
  /** The line typed; undefined when input ended (Ctrl-D). */
  ask(question: string): Promise<string | undefined>;
}

export function processTerminal(): ConfirmTerminal {
  return {
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    ask: (question) => askLine(question),
  };
}

/** The help of every `--confirm` option. */
export function confirmHelp(by: ConfirmedBy): string {
  return `the ${by}'s name again, which confirms it (a terminal asks for it; elsewhere it is required)`;
}

/**
 * A destruction confirmed by the app's name; `command` is the command line without the
 * confirmation (`db:destroy -n shop`).
 */
export function appDestruction(action: string, app: string, command: string): Destruction {
  return { action, by: 'app', name: app, rerun: `futuswarm ${command} --confirm ${app}` };
}

/** The confirmed name, or the refusal. Names in the question are shown escaped: they are not checked yet. */
export async function confirmDestruction(d: Destruction, given: string | undefined, terminal: ConfirmTerminal = processTerminal()): Promise<string> {
  // A bad app name is bad input first: nobody is asked to confirm a name that cannot exist.
  if (d.by === 'app') parseWith(appName, d.name, '--name');
  if (given !== undefined) {
    if (given === d.name) return given;
    throw confirmationRefused(d, given);
  }
  if (!terminal.interactive) throw confirmationRefused(d, undefined);
  const typed = (await terminal.ask(visibleText(confirmationQuestion(d))))?.trim();
  if (typed === d.name) return d.name;
  throw confirmationRefused(d, typed);
}
