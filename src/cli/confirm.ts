import { FutuswarmError } from '../core/errors.ts';

/**
 * Destroying data needs the name twice (`--confirm <name>`). Checked on this side too, so a
 * typo never reaches the cluster.
 */
export function checkConfirmation(what: string, name: string, confirm: unknown, rerun: string): string {
  if (confirm === name) return name;
  throw new FutuswarmError('invalid_input', `to destroy ${what}, confirm with its name${typeof confirm === 'string' ? ` (got "${confirm}")` : ''}`, {
    hint: rerun,
  });
}
