/**
 * The one capacity check of a quota against the clusters it would run on,
 * used wherever a quota is chosen (the onboarding wizard's environments, the
 * quota dialog) and again when the request is sent. A quota above what a
 * cluster's nodes can give could never be used: it is a problem at the
 * quota's field, one message per resource that does not fit (naming every
 * cluster short of it). A cluster that does not answer cannot be checked:
 * that is a warning, not a refusal.
 */
import type { FieldErrors } from "@/lib/errors";
import { readCapacities, type Capacity } from "@/lib/kube/capacity";
import type { Quota } from "./quota";

export interface QuotaTarget {
  /** Where a problem is shown, e.g. "environments.1.quota" or "quota". */
  field: string;
  environment: string;
  quota: Quota;
  clusterIds: string[];
}

export interface CapacityCheck {
  fieldErrors: FieldErrors;
  warnings: string[];
}

/** Each resource: how an asked amount reads, and how a cluster's reads beside it. */
const RESOURCES: { key: keyof Capacity & keyof Quota; asked: (n: number) => string; has: (n: number) => string }[] = [
  { key: "cpu", asked: (n) => `${n} CPU`, has: String },
  { key: "memoryGi", asked: (n) => `${n} GiB of memory`, has: (n) => `${n} GiB` },
  { key: "pods", asked: (n) => `${n} pods`, has: String },
  { key: "gpu", asked: (n) => `${n} GPU`, has: (n) => (n === 0 ? "none" : String(n)) },
];

/** "a", "a and b", "a, b and c". */
export function joinAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** "48 CPU is more than sandbox-east and sandbox-west have (24 each)". */
function shortOf(asked: string, short: { cluster: string; has: string }[]): string {
  if (short.length === 1) return `${asked} is more than ${short[0]!.cluster} has (${short[0]!.has})`;
  const same = short.every((s) => s.has === short[0]!.has);
  return same
    ? `${asked} is more than ${joinAnd(short.map((s) => s.cluster))} have (${short[0]!.has} each)`
    : `${asked} is more than ${joinAnd(short.map((s) => `${s.cluster} (${s.has})`))} have`;
}

export async function checkCapacity(targets: QuotaTarget[]): Promise<CapacityCheck> {
  const reads = await readCapacities(targets.flatMap((t) => t.clusterIds));
  const byId = new Map(reads.map((r) => [r.clusterId, r]));
  const fieldErrors: FieldErrors = {};
  const unanswered = new Map<string, { error: string; environments: string[] }>();
  for (const t of targets) {
    for (const r of RESOURCES) {
      const asked = t.quota[r.key];
      const short: { cluster: string; has: string }[] = [];
      for (const id of new Set(t.clusterIds)) {
        const read = byId.get(id);
        if (!read) continue;
        if (!read.ok) {
          const u = unanswered.get(read.cluster) ?? { error: read.error, environments: [] };
          if (!u.environments.includes(t.environment)) u.environments.push(t.environment);
          unanswered.set(read.cluster, u);
          continue;
        }
        if (asked > read.value[r.key]) short.push({ cluster: read.cluster, has: r.has(read.value[r.key]) });
      }
      if (short.length)
        (fieldErrors[t.field] ??= []).push(
          shortOf(
            r.asked(asked),
            short.sort((a, b) => a.cluster.localeCompare(b.cluster)),
          ),
        );
    }
  }
  const warnings = [...unanswered.entries()].map(
    ([cluster, u]) =>
      `${cluster} did not answer, so the ${joinAnd(u.environments)} ${u.environments.length > 1 ? "quotas" : "quota"} could not be checked against it (${u.error}).`,
  );
  return { fieldErrors, warnings };
}
