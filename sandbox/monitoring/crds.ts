/**
 * The prometheus-operator CustomResourceDefinition every sandbox cluster
 * serves, as a kube-prometheus install creates it: PrometheusRule
 * (`monitoring.coreos.com/v1`, short name `promrule`, category
 * `prometheus-operator`). No operator runs: the objects are stored and read
 * back, which is what a portal applying rules for teams on
 * prometheus-operator needs to prove. The schema only preserves unknown
 * fields: the sandbox validates no CRD schema.
 */
import type { KObject } from "../core/types.js";

export const PROMETHEUS_OPERATOR_CRDS: KObject[] = [
  {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: "prometheusrules.monitoring.coreos.com",
      labels: { "app.kubernetes.io/name": "prometheus-operator", "app.kubernetes.io/part-of": "kube-prometheus" },
    },
    spec: {
      group: "monitoring.coreos.com",
      names: {
        kind: "PrometheusRule",
        listKind: "PrometheusRuleList",
        plural: "prometheusrules",
        singular: "prometheusrule",
        shortNames: ["promrule"],
        categories: ["prometheus-operator"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  },
];
