/**
 * The Tekton Pipelines v1 CustomResourceDefinitions every sandbox cluster
 * serves (as a Tekton install's release.yaml creates them): Pipeline, Task,
 * PipelineRun and TaskRun in tekton.dev, v1 only, with upstream's names,
 * short names, categories, status subresources and printer columns. The
 * schema only preserves unknown fields: the sandbox validates no CRD schema.
 */
import type { KObject } from "../core/types.js";

const SUCCEEDED = `.status.conditions[?(@.type=="Succeeded")]`;

const runColumns = [
  { name: "Succeeded", type: "string", jsonPath: `${SUCCEEDED}.status` },
  { name: "Reason", type: "string", jsonPath: `${SUCCEEDED}.reason` },
  { name: "StartTime", type: "date", jsonPath: ".status.startTime" },
  { name: "CompletionTime", type: "date", jsonPath: ".status.completionTime" },
];

function crd(kind: string, plural: string, opts: { shortNames?: string[]; run: boolean }): KObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${plural}.tekton.dev`,
      labels: {
        "app.kubernetes.io/instance": "default",
        "app.kubernetes.io/part-of": "tekton-pipelines",
        "pipeline.tekton.dev/release": "v1.0.0",
        version: "v1.0.0",
      },
    },
    spec: {
      group: "tekton.dev",
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: kind.toLowerCase(),
        categories: ["tekton", "tekton-pipelines"],
        ...(opts.shortNames ? { shortNames: opts.shortNames } : {}),
      },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          subresources: { status: {} },
          ...(opts.run ? { additionalPrinterColumns: runColumns } : {}),
        },
      ],
    },
  };
}

export const TEKTON_CRDS: KObject[] = [
  crd("Task", "tasks", { run: false }),
  crd("Pipeline", "pipelines", { run: false }),
  crd("TaskRun", "taskruns", { shortNames: ["tr", "trs"], run: true }),
  crd("PipelineRun", "pipelineruns", { shortNames: ["pr", "prs"], run: true }),
];

const RESOURCES = ["tasks", "taskruns", "pipelines", "pipelineruns", "runs", "customruns", "stepactions"];
const role = (name: string, verbs: string[], to: string[]): KObject => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: {
    name,
    labels: {
      "app.kubernetes.io/instance": "default",
      "app.kubernetes.io/part-of": "tekton-pipelines",
      ...Object.fromEntries(to.map((t) => [`rbac.authorization.k8s.io/aggregate-to-${t}`, "true"])),
    },
  },
  rules: [{ apiGroups: ["tekton.dev"], resources: RESOURCES, verbs }],
});

/** Tekton's release aggregates its kinds into admin/edit/view, so a namespace's editors run pipelines. */
export const TEKTON_CLUSTER_ROLES: KObject[] = [
  role("tekton-aggregate-edit", ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], ["edit", "admin"]),
  role("tekton-aggregate-view", ["get", "list", "watch"], ["view"]),
];

export const GR = {
  tasks: "tekton.dev/tasks",
  pipelines: "tekton.dev/pipelines",
  taskRuns: "tekton.dev/taskruns",
  pipelineRuns: "tekton.dev/pipelineruns",
} as const;
