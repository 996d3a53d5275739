/**
 * Garbage collection of the cluster registry as data: the one-off Swarm job that runs
 * Distribution's own `registry garbage-collect` over the registry's storage, and what its output
 * says was (or, in a dry run, would be) deleted.
 *
 * Distribution collects offline: while it marks and sweeps, nothing may upload, or a layer
 * pushed in between is swept before its manifest names it. The agent therefore makes every
 * instance read-only first (maintenance.readonly) and writable again afterwards, which also
 * restarts them and empties their in-memory blob caches.
 */
import { REGISTRY_CONFIG_TARGET, REGISTRY_LABEL, REGISTRY_SERVICE, secretMount, type SecretMount, type SecretRef } from './registry-spec.ts';

export interface RegistryGcJobSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: { Image: string; Command: string[]; Env: string[]; Labels: Record<string, string>; Secrets: SecretMount[] };
    RestartPolicy: { Condition: 'none' };
    Placement: { Constraints: string[] };
    Networks: { Target: string }[];
  };
  Mode: { Replicated: { Replicas: 1 } };
}

export interface RegistryGcJobInput {
  image: string;
  config: SecretRef;
  /** The Swarm node the job runs on: the agent's own, which has the registry image. */
  nodeId: string;
  dryRun: boolean;
  /** A short random ID that makes the service name unique. */
  id: string;
}

export function buildRegistryGcJobSpec(input: RegistryGcJobInput): RegistryGcJobSpec {
  const labels = { [REGISTRY_LABEL.registry]: 'gc' };
  return {
    Name: `${REGISTRY_SERVICE}_gc_${input.id}`,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: input.image,
        // Never --delete-untagged: a release deployed by digest may name a manifest no tag names.
        Command: ['/bin/registry', 'garbage-collect', ...(input.dryRun ? ['--dry-run'] : []), `/run/secrets/${REGISTRY_CONFIG_TARGET}`],
        Env: ['OTEL_TRACES_EXPORTER=none'],
        Labels: labels,
        Secrets: [secretMount(input.config, REGISTRY_CONFIG_TARGET)],
      },
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: [`node.id==${input.nodeId}`] },
      // The storage is reached exactly as the registry reaches it.
      Networks: [{ Target: 'host' }],
    },
    // One task that runs once (restart condition none), not a Swarm job: Docker 20.10's job
    // orchestrator was seen to start a replicated job's task again and again after it completed.
    Mode: { Replicated: { Replicas: 1 } },
  };
}

export interface GcReport {
  blobsMarked: number;
  /** Digests of the blobs that were (or would be) deleted, sorted. */
  blobsDeleted: string[];
  manifestsDeleted: number;
}

const SUMMARY = /^(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion$/;
const ELIGIBLE = /^blob eligible for deletion: (sha256:[0-9a-f]{64})$/;

/**
 * Reads what `registry garbage-collect` printed on standard output. Undefined when its summary
 * line is missing (it did not get that far), so a half-read output is never taken for "nothing".
 */
export function parseGcOutput(lines: readonly string[]): GcReport | undefined {
  let summary: RegExpExecArray | null = null;
  const deleted = new Set<string>();
  for (const raw of lines) {
    const line = raw.trim();
    summary ??= SUMMARY.exec(line);
    const blob = ELIGIBLE.exec(line);
    if (blob?.[1]) deleted.add(blob[1]);
  }
  if (!summary) return undefined;
  const [, marked, eligible, manifests] = summary.map(Number);
  const blobsDeleted = [...deleted].sort();
  if (blobsDeleted.length !== eligible) return undefined;
  return { blobsMarked: marked ?? 0, blobsDeleted, manifestsDeleted: manifests ?? 0 };
}

/** `…/docker/registry/v2/blobs/sha256/ab/<hex>/data` → `sha256:<hex>`; undefined for any other key. */
export function blobDigestOfKey(key: string): string | undefined {
  const m = /\/docker\/registry\/v2\/blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})\/data$/.exec(key);
  return m?.[1] ? `sha256:${m[1]}` : undefined;
}
