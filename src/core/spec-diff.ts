/**
 * What would change between the running ServiceSpec and a new one, for --dry-run.
 * Environment values are never shown, only which keys appear, disappear or change.
 */
export interface SpecChange {
  field: string;
  from: string;
  to: string;
}

interface ComparableSpec {
  Labels?: Record<string, string>;
  TaskTemplate?: {
    ContainerSpec?: { Image?: string; Env?: string[]; Healthcheck?: { Test?: string[] } };
    Resources?: { Limits?: { NanoCPUs?: number; MemoryBytes?: number } };
    Placement?: { Constraints?: string[]; Preferences?: { Spread?: { SpreadDescriptor?: string } }[] };
    ForceUpdate?: number;
  };
  Mode?: { Replicated?: { Replicas?: number } };
}

const IGNORED_LABELS = new Set(['futuswarm.spec-hash', 'futuswarm.template-hash', 'futuswarm.settings']);

function envMap(env: readonly string[] | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of env ?? []) {
    const eq = entry.indexOf('=');
    map.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? '' : entry.slice(eq + 1));
  }
  return map;
}

export function diffSpecs(current: ComparableSpec | undefined, next: ComparableSpec): SpecChange[] {
  const changes: SpecChange[] = [];
  const add = (field: string, from: unknown, to: unknown): void => {
    const f = from === undefined ? '(none)' : String(from);
    const t = to === undefined ? '(none)' : String(to);
    if (f !== t) changes.push({ field, from: f, to: t });
  };
  const c = current?.TaskTemplate;
  const n = next.TaskTemplate;
  add('image', c?.ContainerSpec?.Image?.split('@')[0], n?.ContainerSpec?.Image?.split('@')[0]);
  add('replicas', current?.Mode?.Replicated?.Replicas, next.Mode?.Replicated?.Replicas);
  add('cpus', cpus(c?.Resources?.Limits?.NanoCPUs), cpus(n?.Resources?.Limits?.NanoCPUs));
  add('memory', mib(c?.Resources?.Limits?.MemoryBytes), mib(n?.Resources?.Limits?.MemoryBytes));
  add('healthcheck', c?.ContainerSpec?.Healthcheck?.Test?.slice(1).join(' '), n?.ContainerSpec?.Healthcheck?.Test?.slice(1).join(' '));
  add('constraints', constraints(c?.Placement), constraints(n?.Placement));
  add('spread', spread(c?.Placement), spread(n?.Placement));
  add('links', links(current?.Labels), links(next.Labels));
  if ((n?.ForceUpdate ?? 0) !== (c?.ForceUpdate ?? 0)) changes.push({ field: 'restart', from: 'running tasks', to: 'new tasks' });

  const before = envMap(c?.ContainerSpec?.Env);
  const after = envMap(n?.ContainerSpec?.Env);
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    if (!before.has(key)) changes.push({ field: `env ${key}`, from: '(none)', to: '(set)' });
    else if (!after.has(key)) changes.push({ field: `env ${key}`, from: '(set)', to: '(none)' });
    else if (before.get(key) !== after.get(key)) changes.push({ field: `env ${key}`, from: '(set)', to: '(changed)' });
  }

  const labelsBefore = current?.Labels ?? {};
  const labelsAfter = next.Labels ?? {};
  for (const key of [...new Set([...Object.keys(labelsBefore), ...Object.keys(labelsAfter)])].sort()) {
    if (IGNORED_LABELS.has(key)) continue;
    add(`label ${key}`, labelsBefore[key], labelsAfter[key]);
  }
  return changes;
}

const cpus = (nano: number | undefined): string | undefined => (nano ? String(nano / 1e9) : undefined);
const mib = (bytes: number | undefined): string | undefined => (bytes ? `${bytes / 1024 / 1024} MiB` : undefined);

type Placement = NonNullable<NonNullable<ComparableSpec['TaskTemplate']>['Placement']>;
/** As people write them: `zone==a`, and `node.role==worker` for the managers decision. */
const constraints = (p: Placement | undefined): string | undefined =>
  p?.Constraints?.length ? p.Constraints.map((c) => c.replace(/^node\.labels\./, '')).join(', ') : undefined;
const spread = (p: Placement | undefined): string | undefined =>
  p?.Preferences?.length ? p.Preferences.map((x) => (x.Spread?.SpreadDescriptor ?? '').replace(/^node\.labels\./, '')).join(', ') : undefined;

/** The apps it links to, from the settings label (src/core/app-networks.ts). */
function links(labels: Record<string, string> | undefined): string | undefined {
  try {
    const value = (JSON.parse(labels?.['futuswarm.settings'] ?? '{}') as { links?: unknown }).links;
    return Array.isArray(value) && value.length > 0 ? value.join(', ') : undefined;
  } catch {
    return undefined;
  }
}
