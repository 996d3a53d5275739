/**
 * Node labels that admins set (`admin node:label`), which apps' placement constraints
 * (`node.labels.k==v`) match. Keys under `futuswarm.` are reserved for futuswarm itself
 * (docs/decisions.md): an admin's edit must never change what futuswarm places by.
 */
import * as z from 'zod';
import { lazySchema } from './lazy-schemas.ts';
import { FutuswarmError, plainMessage } from './errors.ts';
import { RESERVED_KEYS } from './reserved-keys.ts';

export const RESERVED_LABEL_PREFIX = 'futuswarm.';

/** A node label's name, as placement constraints and spread name it too (`zone`). */
export const labelName = lazySchema(() =>
  z
    .string()
    .regex(/^[a-z][a-z0-9._-]{0,62}$/, 'a label key starts with a lowercase letter and holds only a-z, 0-9, ".", "_" and "-" (at most 63 characters)'),
);

/** A label key an admin may set or remove. */
export const nodeLabelKey = lazySchema(() =>
  labelName
    .refine((k) => !k.startsWith(RESERVED_LABEL_PREFIX), `keys under "${RESERVED_LABEL_PREFIX}" are reserved for futuswarm itself`)
    // Labels come back as object keys in node:list; the protocol refuses these there.
    .refine((k) => !RESERVED_KEYS.includes(k), 'constructor and prototype are not allowed as label keys'),
);

export const nodeLabelValue = lazySchema(() =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,63}$/, 'a label value holds only A-Z, a-z, 0-9, ".", "_" and "-" (at most 63 characters)'),
);

/** Labels to add or change, each key checked with its name in the path. */
export const nodeLabelSet = lazySchema(() =>
  z.record(z.string(), nodeLabelValue).superRefine((labels, ctx) => {
    for (const key of Object.keys(labels)) {
      const checked = nodeLabelKey.safeParse(key);
      if (!checked.success) ctx.addIssue({ code: 'custom', path: [key], message: checked.error.issues[0]?.message ?? 'bad key' });
    }
  }),
);

export interface LabelChange {
  set: Record<string, string>;
  remove: string[];
}

/** A change must change something, and must not both set and remove a key. */
export function labelChangeProblems(change: LabelChange): string[] {
  const problems: string[] = [];
  if (Object.keys(change.set).length === 0 && change.remove.length === 0) problems.push('nothing to change: give at least one key=value to set or --rm key');
  for (const key of change.remove) if (Object.hasOwn(change.set, key)) problems.push(`${key}: both set and removed`);
  return problems;
}

/**
 * `key=value` arguments and `--rm key` values as typed, checked with the same schemas the agent
 * uses. Every bad item is named at once; nothing is sent when any is bad.
 */
export function parseLabelArgs(assignments: readonly string[], removals: readonly string[]): LabelChange {
  const hint = 'e.g. futuswarm admin node:label NAME zone=eu-north-1a disk=ssd --rm gpu';
  if (assignments.length === 0 && removals.length === 0) throw new FutuswarmError('invalid_input', labelChangeProblems({ set: {}, remove: [] })[0]!, { hint });
  const problems: string[] = [];
  const set: Record<string, string> = {};
  const firstIssue = (r: z.ZodSafeParseResult<string>) => (r.success ? undefined : plainMessage(r.error.issues[0]!));
  for (const item of assignments) {
    const at = item.indexOf('=');
    if (at < 0) {
      problems.push(`${item}: must be key=value (to remove a label: --rm ${item})`);
      continue;
    }
    const [key, value] = [item.slice(0, at), item.slice(at + 1)];
    const bad = [firstIssue(nodeLabelKey.safeParse(key)), firstIssue(nodeLabelValue.safeParse(value))].filter((m) => m !== undefined);
    if (bad.length > 0) problems.push(`${item}: ${bad.join('; ')}`);
    else if (Object.hasOwn(set, key) && set[key] !== value) problems.push(`${item}: ${key} is given twice`);
    else set[key] = value;
  }
  for (const key of removals) {
    const bad = firstIssue(nodeLabelKey.safeParse(key));
    if (bad) problems.push(`--rm ${key}: ${bad}`);
  }
  const change = { set, remove: [...new Set(removals)] };
  if (problems.length === 0) problems.push(...labelChangeProblems(change));
  if (problems.length > 0) {
    throw new FutuswarmError('invalid_input', problems.length === 1 ? `bad label ${problems[0]}` : `bad labels:\n  ${problems.join('\n  ')}`, {
      hint,
      details: { issues: problems },
    });
  }
  return change;
}

export interface LabelEdit {
  key: string;
  /** null: the label was not there (added), or is gone (removed). */
  from: string | null;
  to: string | null;
}

/** The labels after the change, and each label that really changes. */
export function planLabels(current: Readonly<Record<string, string>>, change: LabelChange): { labels: Record<string, string>; edits: LabelEdit[] } {
  const labels = { ...current };
  const edits: LabelEdit[] = [];
  for (const [key, value] of Object.entries(change.set)) {
    if (labels[key] !== value) edits.push({ key, from: labels[key] ?? null, to: value });
    labels[key] = value;
  }
  for (const key of change.remove) {
    if (Object.hasOwn(labels, key)) edits.push({ key, from: labels[key] ?? null, to: null });
    delete labels[key];
  }
  return { labels, edits: edits.sort((a, b) => a.key.localeCompare(b.key)) };
}
