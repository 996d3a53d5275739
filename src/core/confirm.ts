/**
 * Destroying is never an accident: the caller types the name of what goes once more, with
 * `--confirm NAME` or at the prompt of a terminal. The CLI asks and checks before it sends
 * anything (src/cli/confirm.ts); the protocol checks again (src/protocol.ts), so a request
 * without the name changes nothing whoever sends it. The same words in both places come from here.
 */
import { FutuswarmError } from './errors.ts';

/** Whose name confirms a destructive command. */
export type ConfirmedBy = 'app' | 'node' | 'cluster';

/** A destructive command as the person about to run it should see it. */
export interface Destruction {
  /** What goes, after "to": `destroy the database of shop`. */
  action: string;
  by: ConfirmedBy;
  /** The name to type. */
  name: string;
  /** The command line that confirms it: the hint of a refusal. */
  rerun: string;
}

/** The question at a terminal. */
export function confirmationQuestion(d: Destruction): string {
  return `To ${d.action}, type the ${d.by}'s name (${d.name}): `;
}

/** The refusal when the name was not given, or another one was: exit 2, nothing changed. */
export function confirmationRefused(d: Destruction, given: string | undefined): FutuswarmError {
  const got = given === undefined || given === '' ? '' : ` (got "${given.length > 60 ? `${given.slice(0, 60)}…` : given}")`;
  return new FutuswarmError('invalid_input', `to ${d.action}, confirm with the ${d.by}'s name${got}; nothing was changed`, { hint: d.rerun });
}

/** What the protocol says of a request whose `confirm` is not the name. */
export function confirmationRule(by: ConfirmedBy, name: string): string {
  return `must be the ${by}'s name (${name}): what it destroys is confirmed by its name`;
}
