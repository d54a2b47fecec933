/**
 * A service's spec, resolved for an environment, becomes the objects applied
 * to each cluster: Deployment, Service (when it has ports),
 * HorizontalPodAutoscaler (when autoscaling) and PodDisruptionBudget (when
 * minAvailable > 0), and the ConfigMap and Secret of the config namespaces
 * it references (resolved beforehand, lib/config/delivery-values.ts) with
 * the volumes and environment variables that read them. Pure, so the
 * "rendered manifests" tab, the release record and the apply are the same objects.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { RenderedConfig } from "@/lib/config/delivery-render";
import { MANAGED_BY } from "@/lib/provisioning/manifests";
import type { EnvKind, TAppSpec } from "./spec";
import { resolveSpec } from "./spec";

export interface RenderContext {
  project: { slug: string };
  service: { slug: string; kind: string };
  environment: EnvKind;
  namespace: string;
  /** Full image reference, repository:tag. */
  image: string;
  release?: { id: string; number: number };
  /** The config this cluster's pods get (ConfigMap, Secret, mounts, env); none when the spec references no config. */
  config?: RenderedConfig | null;
}

/** The labels of every object a service's release renders. */
export function objectLabels(c: { project: { slug: string }; service: { slug: string }; environment: EnvKind }) {
  return {
    ...MANAGED_BY,
    ...selectorLabels(c),
    "wharf.dev/project": c.project.slug,
    "wharf.dev/service": c.service.slug,
    "wharf.dev/environment": c.environment,
  };
}

export const CONTAINER = "app";

export function workloadName(c: Pick<RenderContext, "service">) {
  return c.service.slug;
}

export function selectorLabels(c: { project: { slug: string }; service: { slug: string } }) {
  return { "app.kubernetes.io/name": c.service.slug, "app.kubernetes.io/part-of": c.project.slug };
}

function probe(p: NonNullable<TAppSpec["probes"]["liveness"]>) {
  const { httpGet, tcpSocket, exec, ...timing } = p;
  return { ...(httpGet ? { httpGet } : {}), ...(tcpSocket ? { tcpSocket } : {}), ...(exec ? { exec } : {}), ...timing };
}

export function renderManifests(spec: TAppSpec, c: RenderContext): KubernetesObject[] {
  const s = resolveSpec(spec, c.environment);
  const name = workloadName(c);
  const select = selectorLabels(c);
  const labels = objectLabels(c);
  const config = c.config ?? null;
  /** Which release this is, on the Deployment only (see the pod template below). */
  const annotations: Record<string, string> = c.release
    ? {
        "wharf.dev/release": String(c.release.number),
        "wharf.dev/release-id": c.release.id,
        "kubernetes.io/change-cause": `wharf release #${c.release.number}: ${c.image}`,
      }
    : {};
  const autoscale = s.autoscaling?.enabled ? s.autoscaling : undefined;
  const spreads = [
    ...(s.spread.acrossNodes
      ? [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: select } }]
      : []),
    ...(s.spread.acrossZones
      ? [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: select } }]
      : []),
  ];
  const container = {
    name: CONTAINER,
    image: c.image,
    ...(s.command ? { command: s.command } : {}),
    ...(s.args ? { args: s.args } : {}),
    ports: s.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol })),
    // Config keys first: a variable the spec sets itself wins (the last of a name does).
    env: [...(config?.env ?? []), ...s.env, { name: "WHARF_ENVIRONMENT", value: c.environment }],
    ...(config?.volumeMounts.length ? { volumeMounts: config.volumeMounts } : {}),
    resources: s.resources,
    ...(s.probes.liveness ? { livenessProbe: probe(s.probes.liveness) } : {}),
    ...(s.probes.readiness ? { readinessProbe: probe(s.probes.readiness) } : {}),
    ...(s.probes.startup ? { startupProbe: probe(s.probes.startup) } : {}),
    ...(s.lifecycle.preStopDelaySeconds > 0 ? { lifecycle: { preStop: { sleep: { seconds: s.lifecycle.preStopDelaySeconds } } } } : {}),
  };
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: c.namespace, labels, annotations },
    spec: {
      // With an autoscaler the replica count is its to set: leaving it out keeps apply from fighting it.
      ...(autoscale ? {} : { replicas: s.replicas }),
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: s.rollout.progressDeadlineSeconds,
      minReadySeconds: s.rollout.minReadySeconds,
      selector: { matchLabels: select },
      strategy: s.strategy,
      template: {
        // No release identity here: it lives on the Deployment's annotations (copied by the controller to the
        // ReplicaSet it makes current). A template that names its release makes every release a new ReplicaSet,
        // so going back to an earlier spec and image restarted every pod instead of scaling the old ReplicaSet up.
        metadata: { labels },
        spec: {
          containers: [container],
          terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
          ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
          ...(s.nodeSelector ? { nodeSelector: s.nodeSelector } : {}),
          ...(s.tolerations ? { tolerations: s.tolerations } : {}),
          ...(spreads.length ? { topologySpreadConstraints: spreads } : {}),
          serviceAccountName: "default",
          ...(config?.volumes.length ? { volumes: config.volumes } : {}),
        },
      },
    },
  };
  // The config objects first: a Deployment applied before its ConfigMap would start pods that cannot mount it.
  const out: KubernetesObject[] = [...(config?.objects ?? []), deployment as KubernetesObject];
  if (s.ports.length) {
    out.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: c.namespace, labels },
      spec: { selector: select, ports: s.ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.name, protocol: p.protocol })) },
    } as KubernetesObject);
  }
  if (autoscale) {
    out.push({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name, namespace: c.namespace, labels },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
        minReplicas: autoscale.minReplicas,
        maxReplicas: autoscale.maxReplicas,
        metrics: [
          { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscale.targetCPUUtilizationPercentage } } },
        ],
      },
    } as KubernetesObject);
  }
  if (s.minAvailable > 0) {
    out.push({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name, namespace: c.namespace, labels },
      spec: { minAvailable: s.minAvailable, selector: { matchLabels: select } },
    } as KubernetesObject);
  }
  return out;
}
