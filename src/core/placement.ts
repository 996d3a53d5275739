/**
 * Where an app's tasks may run: the cluster's managers decision (`nodes.appsOnManagers`) and
 * the app's own constraints and spread on node labels. People give labels and values, never
 * Swarm expressions; the expressions are rendered here, and whether any node can take the
 * tasks is judged here, over node descriptions given as data.
 */
import * as z from 'zod';
import { lazySchema } from './lazy-schemas.ts';
import { formatIssues, FutuswarmError } from './errors.ts';
import { labelName, nodeLabelValue } from './node-labels.ts';
import { satisfies, schedulable, type NodeFacts } from './node-placement.ts';

/** Whether app tasks may run on managers: `auto` keeps them off as soon as a worker can take them. */
export const appsOnManagers = lazySchema(() => z.enum(['auto', 'always', 'never']));
export type AppsOnManagers = z.output<typeof appsOnManagers>;

export const MAX_CONSTRAINTS = 10;
export const MAX_SPREAD = 10;

export const placementConstraint = lazySchema(() =>
  z.strictObject({
    label: labelName,
    op: z.enum(['==', '!='], { error: 'must be == or != between the label and the value, as in zone==a' }),
    value: nodeLabelValue.min(1, 'must not be empty: name the value the label must (not) have, as in zone==a'),
  }),
);
export type PlacementConstraint = z.output<typeof placementConstraint>;

export const placementConstraints = lazySchema(() =>
  z.array(placementConstraint).max(MAX_CONSTRAINTS),
);
export const spreadLabels = lazySchema(() =>
  z.array(labelName).max(MAX_SPREAD),
);

/** As the app's settings keep it; absent when the app has neither constraints nor spread. */
export const placementSchema = lazySchema(() =>
  z.strictObject({
    /** All must hold on a node (node labels only). */
    constraints: placementConstraints.default([]),
    /** Spread tasks evenly over the values of these node labels, the first one first. */
    spread: spreadLabels.default([]),
  }),
);
export type AppPlacement = z.output<typeof placementSchema>;

/** `zone==a` as {label, op, value}; what is not an operator stays for the schema to refuse. */
export function splitConstraint(text: string): { label: string; op: string; value: string } {
  const m = /^([^=!<>]*)([=!<>]*)(.*)$/s.exec(text);
  return { label: m?.[1] ?? text, op: m?.[2] ?? '', value: m?.[3] ?? '' };
}

/**
 * `--constraint` texts (`zone==a`, `disk!=hdd`) as constraints; every bad one is reported at
 * once, with the text as given and the part that is wrong (`--constraint "zone=a": op: …`).
 */
export function parseConstraintFlags(texts: readonly string[], flag = '--constraint'): PlacementConstraint[] {
  const problems: string[] = [];
  const parsed: PlacementConstraint[] = [];
  for (const text of texts) {
    const result = placementConstraint.safeParse(splitConstraint(text));
    if (result.success) parsed.push(result.data);
    else problems.push(...formatIssues(result.error.issues).map((line) => `${flag} ${JSON.stringify(text)}: ${line}`));
  }
  if (problems.length > 0) {
    throw new FutuswarmError('invalid_input', problems.join('\n'), { hint: `${flag} takes LABEL==VALUE or LABEL!=VALUE on node labels, e.g. ${flag} zone==a`, details: { issues: problems } });
  }
  return parsed;
}

export function describeConstraint(c: PlacementConstraint): string {
  return `${c.label}${c.op}${c.value}`;
}

/**
 * One way to write the same placement: constraints sorted and without repeats (they all must
 * hold, so their order means nothing), spread labels without repeats in the order given (it
 * is their precedence). Undefined when nothing is left, so an app without placement keeps
 * the settings, and the spec hash, it had before placement existed.
 */
export function normalizePlacement(p: Partial<AppPlacement> | undefined): AppPlacement | undefined {
  const seen = new Set<string>();
  const constraints = [...(p?.constraints ?? [])]
    .sort((a, b) => compare(describeConstraint(a), describeConstraint(b)))
    .filter((c) => !seen.has(describeConstraint(c)) && seen.add(describeConstraint(c)));
  const spread = [...new Set(p?.spread ?? [])];
  return constraints.length === 0 && spread.length === 0 ? undefined : { constraints, spread };
}

/** What a deploy asks laid over what is stored: each part given replaces the stored one ([] clears it). */
export function mergePlacement(stored: AppPlacement | undefined, given: { constraints?: PlacementConstraint[] | undefined; spread?: string[] | undefined }): AppPlacement | undefined {
  return normalizePlacement({ constraints: given.constraints ?? stored?.constraints ?? [], spread: given.spread ?? stored?.spread ?? [] });
}

/** What the placement check needs of a node (src/docker/engine.ts NodeInfo has it). */
export type NodeDescription = NodeFacts;

/** The managers decision for one deploy: true when app tasks must run on workers only. */
export function appsAvoidManagers(setting: AppsOnManagers, nodes: readonly NodeDescription[]): boolean {
  if (setting === 'always') return false;
  if (setting === 'never') return true;
  return nodes.some((n) => n.role === 'worker' && schedulable(n));
}

export const WORKERS_ONLY = 'node.role==worker';
const NODE_LABEL = 'node.labels.';

/** The subset of Swarm's TaskTemplate.Placement that futuswarm sets. */
export interface SwarmPlacement {
  Constraints?: string[];
  Preferences?: { Spread: { SpreadDescriptor: string } }[];
}

/** The ServiceSpec's Placement, or undefined when tasks may run anywhere (then the spec has none). */
export function buildPlacement(placement: AppPlacement | undefined, workersOnly: boolean): SwarmPlacement | undefined {
  const p = normalizePlacement(placement);
  const constraints = [...(workersOnly ? [WORKERS_ONLY] : []), ...(p?.constraints ?? []).map((c) => `${NODE_LABEL}${describeConstraint(c)}`)];
  const spread = (p?.spread ?? []).map((label) => ({ Spread: { SpreadDescriptor: `${NODE_LABEL}${label}` } }));
  if (constraints.length === 0 && spread.length === 0) return undefined;
  return { ...(constraints.length ? { Constraints: constraints } : {}), ...(spread.length ? { Preferences: spread } : {}) };
}

/** Whether a service's spec, as Docker returns it, keeps its tasks on workers. */
export function specKeepsToWorkers(spec: Readonly<Record<string, unknown>>): boolean {
  const placement = (spec.TaskTemplate as { Placement?: { Constraints?: unknown } } | undefined)?.Placement;
  return Array.isArray(placement?.Constraints) && placement.Constraints.includes(WORKERS_ONLY);
}

/** The nodes that can take the app's tasks now, judged as Swarm judges the rendered constraints. */
export function eligibleNodes(placement: AppPlacement | undefined, workersOnly: boolean, nodes: readonly NodeDescription[]): NodeDescription[] {
  const constraints = buildPlacement(placement, workersOnly)?.Constraints ?? [];
  return nodes.filter((n) => schedulable(n) && satisfies(n, constraints));
}

/**
 * Why no node can take the app's tasks, as the error to refuse the change with; undefined
 * when at least one can. Swarm itself would leave such tasks pending without a word.
 */
export function placementProblem(
  app: string,
  placement: AppPlacement | undefined,
  setting: AppsOnManagers,
  nodes: readonly NodeDescription[],
): FutuswarmError | undefined {
  const workersOnly = appsAvoidManagers(setting, nodes);
  if (eligibleNodes(placement, workersOnly, nodes).length > 0) return undefined;
  const constraints = (placement?.constraints ?? []).map(describeConstraint);
  const needs = [workersOnly ? 'worker' : 'node', ...(constraints.length ? [`with ${constraints.join(' and ')}`] : [])].join(' ');
  const why = !workersOnly
    ? ''
    : setting === 'never'
      ? ' (the cluster keeps apps off managers: nodes.appsOnManagers is never)'
      : ' (apps keep off managers while the cluster has a worker: nodes.appsOnManagers is auto)';
  const listed = nodes.length ? [...nodes].sort((a, b) => compare(a.hostname, b.hostname)).map(describeNode).join('; ') : '(none)';
  const wanted = placement?.constraints.find((c) => c.op === '==');
  const example = wanted ? `${wanted.label}=${wanted.value}` : undefined;
  const noWorker = workersOnly && !nodes.some((n) => n.role === 'worker' && schedulable(n));
  const hint = noWorker
    ? 'an admin adds a worker to the cluster, or sets nodes.appsOnManagers to auto or always in the cluster file'
    : constraints.length
      ? `an admin labels a node to take them (futuswarm admin node:label${example ? `, e.g. ${example}` : ''}), or deploy with other constraints: --constraint LABEL==VALUE, or --no-constraints`
      : 'an admin makes a node active (docker node update --availability active NODE)';
  return new FutuswarmError('invalid_input', `no active, ready ${needs} can run the tasks of ${app}${why}; nodes: ${listed}`, {
    hint,
    details: { constraints, workersOnly, nodes: nodes.map((n) => ({ name: n.hostname, role: n.role, availability: n.availability, state: n.state, labels: n.labels })) },
  });
}

function describeNode(n: NodeDescription): string {
  const labels = Object.entries(n.labels).sort(([a], [b]) => compare(a, b)).map(([k, v]) => `${k}=${v}`);
  return `${n.hostname} (${n.role}, ${n.availability}, ${n.state}; ${labels.length ? labels.join(', ') : 'no labels'})`;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
