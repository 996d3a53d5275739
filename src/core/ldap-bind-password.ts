/**
 * The password the agents bind to LDAP with, as admins hand it in and as the state bucket keeps
 * it. Messages never contain the value.
 */
import * as z from 'zod';

export const ldapBindPassword = z
  .string()
  // A simple bind with an empty password is an unauthenticated bind that servers may accept.
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .regex(/^[^\0\r\n]*$/, 'must be one line (no line breaks or NUL)');

/** What an admin typed or piped in: one line, its line ending dropped. */
export function bindPasswordFromInput(input: string): string {
  return input.replace(/\r?\n$/, '');
}
