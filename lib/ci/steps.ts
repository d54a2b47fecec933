/**
 * The provisioning steps of CI: apply generated objects on the build cluster
 * (server-side apply as wharf), prune the Tasks and Pipelines the generator
 * no longer writes, and, at onboarding, the whole of a new project's CI.
 * Each is idempotent, so a retry (by the engine or by hand) is safe.
 */
import { z } from "zod";
import type { KubernetesObject } from "@kubernetes/client-node";
import { applyObjects, deleteObject } from "@/lib/kube/apply";
import { connectCluster, type ClusterConnection } from "@/lib/kube/connection";
import { definePlanContributor, defineStepKind } from "@/lib/provisioning/registry";
import { PRUNED_KINDS, readAppliedCi, refOf } from "./applied";
import { generateCi } from "./generate";
import { loadCiInputs } from "./input";

const ZObjects = z.array(
  z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }) }),
);

export const ciApplyStep = defineStepKind({
  kind: "ci-apply",
  label: "CI objects",
  needsCluster: true,
  spec: z.object({ objects: ZObjects }),
  async run({ objects }, { cluster }) {
    return { applied: await applyObjects(cluster!, objects as KubernetesObject[]) };
  },
});

/** Deletes the project's labelled Tasks and Pipelines that are not in `keep` (refs `Kind/namespace/name`). */
async function prune(conn: ClusterConnection, project: string, keep: readonly string[]) {
  const live = await readAppliedCi(conn, { project, kinds: PRUNED_KINDS });
  const deleted: string[] = [];
  for (const o of live) {
    if (keep.includes(refOf(o))) continue;
    if ((await deleteObject(conn, o)) === "deleted") deleted.push(refOf(o));
  }
  return deleted;
}

export const ciPruneStep = defineStepKind({
  kind: "ci-prune",
  label: "Remove old CI objects",
  needsCluster: true,
  spec: z.object({ project: z.string(), keep: z.array(z.string()) }),
  async run({ project, keep }, { cluster }) {
    return { deleted: await prune(cluster!, project, keep) };
  },
});

/**
 * Onboarding: the new project's CI, generated from the catalog when the step
 * runs and applied on the build cluster. Without a cluster marked for builds
 * there is nothing to apply: the step says so and succeeds (regenerating
 * later, once one is marked, gives the project its pipelines).
 */
export const ciOnboardStep = defineStepKind({
  kind: "ci-onboard",
  label: "CI pipeline",
  needsCluster: false,
  spec: z.object({}),
  async run(_spec, { projectId }) {
    if (!projectId) throw new Error("The project of this step no longer exists.");
    const [loaded] = await loadCiInputs({ id: projectId });
    const build = loaded?.buildCluster;
    if (!build) return { skipped: "No cluster is marked for builds; regenerate the pipelines once one is." };
    if (!loaded.input) throw new Error(loaded.error ?? "The project's CI could not be generated.");
    const generated = generateCi(loaded.input);
    const conn = await connectCluster(build.id);
    const applied = await applyObjects(conn, generated.objects as KubernetesObject[]);
    const deleted = await prune(conn, loaded.slug, generated.objects.map(refOf));
    return { cluster: build.name, namespace: generated.namespace, applied, deleted };
  },
});

export const ciOnboardingContributor = definePlanContributor({
  name: "ci-pipeline",
  runKinds: ["onboarding"],
  contribute: (input) =>
    input.services.length
      ? [
          {
            key: "ci-pipeline",
            kind: "ci-onboard",
            title: `CI pipeline of ${input.project.slug}`,
            target: `build cluster: namespace ${input.project.slug}-ci, Tasks clone/test/build/push, Pipelines ${input.services.map((s) => s.slug).join(", ")}`,
            spec: {},
          },
        ]
      : [],
});
