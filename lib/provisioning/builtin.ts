/**
 * The built-in step kinds and plan contributors: namespace, quota, limits,
 * network policy, CI service account and member RoleBindings on every
 * cluster of every environment; member sync; quota change; archive.
 */
import { z } from "zod";
import type { KubernetesObject } from "@kubernetes/client-node";
import { applyObjects, deleteObject, readObject } from "@/lib/kube/apply";
import { ClusterError } from "@/lib/kube/gateway";
import { env as wharfEnv } from "@/lib/env";
import { ciServiceAccount, limitRange, memberRoleBindings, namespace, namespaceName, networkPolicy, resourceQuota, type NamespaceContext } from "./manifests";
import { defineStepKind, definePlanContributor, type ProjectPlanInput, type StepDraft } from "./registry";

const ZObjects = z.object({ objects: z.array(z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }) })) });

/** Every "apply" kind runs the same way: server-side apply of its objects. */
function applyKind(kind: string, label: string) {
  return defineStepKind({
    kind,
    label,
    spec: ZObjects,
    needsCluster: true,
    async run(spec, { cluster }) {
      const applied = await applyObjects(cluster!, spec.objects as KubernetesObject[]);
      return { applied };
    },
  });
}

export const namespaceStep = applyKind("namespace", "Namespace");
export const quotaStep = applyKind("resource-quota", "Resource quota");
export const limitRangeStep = applyKind("limit-range", "Limit range");
export const networkPolicyStep = applyKind("network-policy", "Network policy");
export const ciAccountStep = applyKind("ci-service-account", "CI service account");
export const memberBindingsStep = applyKind("member-role-bindings", "Member role bindings");

export const deleteNamespaceStep = defineStepKind({
  kind: "delete-namespace",
  label: "Delete namespace",
  spec: z.object({ namespace: z.string() }),
  needsCluster: true,
  async run({ namespace: name }, { cluster }) {
    const ref = { apiVersion: "v1", kind: "Namespace", metadata: { name } };
    const deleted = await deleteObject(cluster!, ref);
    // Namespace termination is asynchronous: the step is done when the namespace is gone.
    const still = await readObject(cluster!, ref);
    if (still) throw new ClusterError(cluster!.name, `Namespace ${name} is still terminating; checking again shortly.`);
    return { namespace: name, outcome: deleted };
  },
});

function nsContext(input: ProjectPlanInput, env: ProjectPlanInput["environments"][number]): NamespaceContext {
  return { project: { slug: input.project.slug, tier: input.project.tier }, team: { slug: input.team.slug }, environment: env.kind };
}

/** One draft per environment x cluster, keyed `<step>:<env>:<cluster>`. */
function perCluster(
  input: ProjectPlanInput,
  make: (
    env: ProjectPlanInput["environments"][number],
    cluster: { id: string; name: string },
    ns: NamespaceContext,
  ) => Omit<StepDraft, "clusterId" | "clusterName" | "environment">[],
): StepDraft[] {
  return input.environments.flatMap((env) =>
    env.clusters.flatMap((cluster) =>
      make(env, cluster, nsContext(input, env)).map((d) => ({ ...d, clusterId: cluster.id, clusterName: cluster.name, environment: env.kind })),
    ),
  );
}

const key = (step: string, env: string, cluster: string) => `${step}:${env}:${cluster}`;

export const namespacesContributor = definePlanContributor({
  name: "namespaces",
  runKinds: ["onboarding"],
  contribute: (input) =>
    perCluster(input, (env, cluster, c) => {
      const ns = namespaceName(input.project.slug, env.kind);
      const after = [key("namespace", env.kind, cluster.name)];
      return [
        { key: after[0]!, kind: "namespace", title: `Namespace ${ns}`, target: `Namespace ${ns}`, spec: { objects: [namespace(c)] } },
        {
          key: key("resource-quota", env.kind, cluster.name),
          kind: "resource-quota",
          title: `Quota of ${ns}`,
          target: `ResourceQuota ${ns}/wharf-quota`,
          spec: { objects: [resourceQuota(c, env.quota)] },
          dependsOn: after,
        },
        {
          key: key("limit-range", env.kind, cluster.name),
          kind: "limit-range",
          title: `Default limits of ${ns}`,
          target: `LimitRange ${ns}/wharf-defaults`,
          spec: { objects: [limitRange(c)] },
          dependsOn: after,
        },
        {
          key: key("network-policy", env.kind, cluster.name),
          kind: "network-policy",
          title: `Network isolation of ${ns}`,
          target: `NetworkPolicy ${ns}/wharf-isolation`,
          spec: { objects: [networkPolicy(c)] },
          dependsOn: after,
        },
        {
          key: key("ci-service-account", env.kind, cluster.name),
          kind: "ci-service-account",
          title: `CI service account in ${ns}`,
          target: `ServiceAccount ${ns}/wharf-ci`,
          spec: { objects: ciServiceAccount(c) },
          dependsOn: after,
        },
        {
          key: key("member-role-bindings", env.kind, cluster.name),
          kind: "member-role-bindings",
          title: `Member access to ${ns}`,
          target: `RoleBindings ${ns}/wharf-members-*`,
          spec: { objects: memberRoleBindings(c, input.members, wharfEnv().WHARF_K8S_USER_PREFIX) },
          dependsOn: after,
        },
      ];
    }),
});

export const memberSyncContributor = definePlanContributor({
  name: "member-sync",
  runKinds: ["member_sync"],
  contribute: (input) =>
    perCluster(input, (env, cluster, c) => {
      const ns = namespaceName(input.project.slug, env.kind);
      return [
        {
          key: key("member-role-bindings", env.kind, cluster.name),
          kind: "member-role-bindings",
          title: `Member access to ${ns}`,
          target: `RoleBindings ${ns}/wharf-members-*`,
          spec: { objects: memberRoleBindings(c, input.members, wharfEnv().WHARF_K8S_USER_PREFIX) },
        },
      ];
    }),
});

export const quotaChangeContributor = definePlanContributor({
  name: "quota-change",
  runKinds: ["quota"],
  contribute: (input) =>
    perCluster(input, (env, cluster, c) => {
      const ns = namespaceName(input.project.slug, env.kind);
      return [
        {
          key: key("resource-quota", env.kind, cluster.name),
          kind: "resource-quota",
          title: `Quota of ${ns}`,
          target: `ResourceQuota ${ns}/wharf-quota`,
          spec: { objects: [resourceQuota(c, env.quota)] },
        },
      ];
    }),
});

export const archiveContributor = definePlanContributor({
  name: "archive",
  runKinds: ["archive"],
  contribute: (input) =>
    perCluster(input, (env, cluster) => {
      const ns = namespaceName(input.project.slug, env.kind);
      return [
        {
          key: key("delete-namespace", env.kind, cluster.name),
          kind: "delete-namespace",
          title: `Delete namespace ${ns}`,
          target: `Namespace ${ns}`,
          spec: { namespace: ns },
        },
      ];
    }),
});
