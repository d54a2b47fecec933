/**
 * Prometheus text exposition (format 0.0.4) of a cluster's workloads, as a
 * Prometheus scraping cAdvisor, kube-state-metrics and the apps themselves
 * would see them: per-container CPU/memory, per-pod HTTP traffic and latency
 * histograms, JVM series for Java-like images, restarts, phases and
 * Deployment replica counts. Values come from the same simulation as
 * metrics.k8s.io and the HPA, so they agree, grow deterministically with
 * time, and failure tags show (5xx rates, restarts, waiting reasons).
 */
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { containersOf, int, parseQuantity, rec, str } from "./kit.js";
import type { ResolvedSimulationOptions } from "./options.js";
import {
  containerProfile,
  containerStatusOf,
  cpuSeconds,
  type Instance,
  latencyCdf,
  latencyMean,
  memoryBytes,
  requestsTotal,
  runningInstance,
  trafficMix,
} from "./simulation.js";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const PHASES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];

type Labels = Record<string, string>;

function esc(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}
function fmtLabels(l: Labels): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}
function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN";
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
}

class Exposition {
  private families = new Map<string, { help: string; type: string; lines: string[] }>();

  family(name: string, type: string, help: string): string[] {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, lines: [] };
      this.families.set(name, f);
    }
    return f.lines;
  }

  add(name: string, type: string, help: string, labels: Labels, value: number, suffix = ""): void {
    this.family(name, type, help).push(`${name}${suffix}${fmtLabels(labels)} ${fmtNum(value)}`);
  }

  text(): string {
    let out = "";
    for (const [name, f] of this.families) {
      out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n`;
      for (const l of f.lines) out += `${l}\n`;
    }
    return out;
  }
}

export function createPrometheusProvider(
  store: Store,
  options: ResolvedSimulationOptions,
  oomAt: (pod: KObject, container: string) => number | undefined,
): () => string {
  void options;
  return () => {
    const now = Date.now();
    const x = new Exposition();
    for (const pod of store.listRaw("/pods")) {
      const ns = pod.metadata.namespace ?? "";
      const name = pod.metadata.name ?? "";
      const uid = pod.metadata.uid ?? "";
      const phase = str(rec(pod.status).phase, "Pending");
      for (const p of PHASES)
        x.add("kube_pod_status_phase", "gauge", "The pods current phase.", { namespace: ns, pod: name, uid, phase: p }, p === phase ? 1 : 0);
      for (const c of containersOf(pod)) {
        const prof = containerProfile(pod, c, store);
        const cs = containerStatusOf(pod, c.name);
        const base = { namespace: ns, pod: name, container: c.name };
        x.add(
          "kube_pod_container_status_restarts_total",
          "counter",
          "The number of container restarts per container.",
          { ...base, uid },
          int(cs?.restartCount),
        );
        x.add(
          "kube_pod_container_status_ready",
          "gauge",
          "Describes whether the containers readiness check succeeded.",
          { ...base, uid },
          cs?.ready === true ? 1 : 0,
        );
        const waiting = str(rec(rec(cs?.state).waiting).reason);
        if (waiting)
          x.add(
            "kube_pod_container_status_waiting_reason",
            "gauge",
            "Describes the reason the container is currently in waiting state.",
            { ...base, uid, reason: waiting },
            1,
          );
        const inst: Instance | undefined = runningInstance(pod, c.name);
        if (!inst) continue;
        const image = str(cs?.image, c.image);
        x.add(
          "container_cpu_usage_seconds_total",
          "counter",
          "Cumulative cpu time consumed in seconds.",
          { ...base, image, cpu: "total" },
          cpuSeconds(prof, inst, now),
        );
        x.add(
          "container_memory_working_set_bytes",
          "gauge",
          "Current working set in bytes.",
          { ...base, image },
          memoryBytes(prof, inst, now, oomAt(pod, c.name)),
        );
        if (prof.memLimit > 0) x.add("container_spec_memory_limit_bytes", "gauge", "Memory limit for the container.", { ...base, image }, prof.memLimit);
        const total = Math.floor(requestsTotal(prof, inst, now));
        for (const [i, [method, code, share]] of trafficMix(prof).entries()) {
          const n = Math.floor(total * share);
          if (n > 0 || i === 0) x.add("http_requests_total", "counter", "Total number of HTTP requests.", { ...base, method, code }, n);
        }
        const hist = x.family("http_request_duration_seconds", "histogram", "HTTP request latencies in seconds.");
        const lbl = fmtLabels(base).slice(1, -1);
        for (const le of BUCKETS) hist.push(`http_request_duration_seconds_bucket{${lbl},le="${le}"} ${Math.floor(total * latencyCdf(prof, le))}`);
        hist.push(`http_request_duration_seconds_bucket{${lbl},le="+Inf"} ${total}`);
        hist.push(`http_request_duration_seconds_sum{${lbl}} ${fmtNum(total * latencyMean(prof))}`);
        hist.push(`http_request_duration_seconds_count{${lbl}} ${total}`);
        if (prof.lang === "java") {
          const mem = memoryBytes(prof, inst, now, oomAt(pod, c.name));
          const heap = mem * 0.62;
          const help = "The amount of used memory";
          x.add("jvm_memory_used_bytes", "gauge", help, { ...base, area: "heap", id: "G1 Eden Space" }, Math.round(heap * 0.35));
          x.add("jvm_memory_used_bytes", "gauge", help, { ...base, area: "heap", id: "G1 Old Gen" }, Math.round(heap * 0.6));
          x.add("jvm_memory_used_bytes", "gauge", help, { ...base, area: "heap", id: "G1 Survivor Space" }, Math.round(heap * 0.05));
          x.add("jvm_memory_used_bytes", "gauge", help, { ...base, area: "nonheap", id: "Metaspace" }, Math.round(mem * 0.22));
          x.add("jvm_memory_used_bytes", "gauge", help, { ...base, area: "nonheap", id: "CodeCache" }, Math.round(mem * 0.06));
          const uptime = Math.max(0, (now - inst.startedAt) / 1000);
          const gcs = Math.floor(uptime / (20 + (prof.seed % 40)) + total / 800);
          const gcLabels = { ...base, action: "end of minor GC", cause: "G1 Evacuation Pause", gc: "G1 Young Generation" };
          x.add("jvm_gc_pause_seconds", "summary", "Time spent in GC pause", gcLabels, gcs, "_count");
          x.add("jvm_gc_pause_seconds", "summary", "Time spent in GC pause", gcLabels, gcs * (0.004 + (prof.seed % 9) / 1000), "_sum");
          x.add("jvm_gc_pause_seconds_max", "gauge", "Time spent in GC pause", gcLabels, gcs > 0 ? 0.008 + (prof.seed % 13) / 1000 : 0);
          x.add(
            "jvm_threads_live_threads",
            "gauge",
            "The current number of live threads including both daemon and non-daemon threads",
            base,
            28 + (prof.seed % 20),
          );
        }
      }
    }
    for (const d of store.listRaw("apps/deployments")) {
      const l = { namespace: d.metadata.namespace ?? "", deployment: d.metadata.name ?? "" };
      const s = rec(d.status);
      x.add("kube_deployment_spec_replicas", "gauge", "Number of desired pods for a deployment.", l, int(rec(d.spec).replicas, 1));
      x.add("kube_deployment_status_replicas", "gauge", "The number of replicas per deployment.", l, int(s.replicas));
      x.add("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.", l, int(s.availableReplicas));
      x.add("kube_deployment_status_replicas_updated", "gauge", "The number of updated replicas per deployment.", l, int(s.updatedReplicas));
      x.add("kube_deployment_status_replicas_ready", "gauge", "The number of ready replicas per deployment.", l, int(s.readyReplicas));
      x.add("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.", l, int(s.unavailableReplicas));
      x.add("kube_deployment_status_observed_generation", "gauge", "The generation observed by the deployment controller.", l, int(s.observedGeneration));
      x.add(
        "kube_deployment_metadata_generation",
        "gauge",
        "Sequence number representing a specific generation of the desired state.",
        l,
        d.metadata.generation ?? 1,
      );
    }
    // kube-state-metrics' HPA series: the rule "autoscaler at its maximum" compares current replicas with the maximum.
    for (const h of store.listRaw("autoscaling/horizontalpodautoscalers")) {
      const l = { namespace: h.metadata.namespace ?? "", horizontalpodautoscaler: h.metadata.name ?? "" };
      const spec = rec(h.spec);
      const s = rec(h.status);
      x.add(
        "kube_horizontalpodautoscaler_spec_max_replicas",
        "gauge",
        "Upper limit for the number of pods that can be set by the autoscaler.",
        l,
        int(spec.maxReplicas),
      );
      x.add(
        "kube_horizontalpodautoscaler_spec_min_replicas",
        "gauge",
        "Lower limit for the number of pods that can be set by the autoscaler.",
        l,
        int(spec.minReplicas, 1),
      );
      x.add(
        "kube_horizontalpodautoscaler_status_current_replicas",
        "gauge",
        "Current number of replicas of pods managed by this autoscaler.",
        l,
        int(s.currentReplicas),
      );
      x.add(
        "kube_horizontalpodautoscaler_status_desired_replicas",
        "gauge",
        "Desired number of replicas of pods managed by this autoscaler.",
        l,
        int(s.desiredReplicas),
      );
    }
    // kube-state-metrics' ResourceQuota series: one per resource and type (hard, used), CPU in cores and memory in bytes.
    for (const q of store.listRaw("/resourcequotas")) {
      const s = rec(q.status);
      for (const type of ["hard", "used"] as const) {
        for (const [resource, v] of Object.entries(rec(s[type]))) {
          x.add(
            "kube_resourcequota",
            "gauge",
            "Information about resource quota.",
            { namespace: q.metadata.namespace ?? "", resourcequota: q.metadata.name ?? "", resource, type },
            parseQuantity(v),
          );
        }
      }
    }
    for (const n of store.listRaw("/nodes")) {
      const alloc = rec(rec(n.status).allocatable);
      const node = n.metadata.name ?? "";
      for (const [res, unit] of [
        ["cpu", "core"],
        ["memory", "byte"],
        ["pods", "integer"],
        ["nvidia.com/gpu", "integer"],
      ] as const) {
        if (alloc[res] === undefined) continue;
        const v = str(alloc[res]);
        x.add(
          "kube_node_status_allocatable",
          "gauge",
          "The allocatable for different resources of a node that are available for scheduling.",
          { node, resource: res.replace(/[./]/g, "_"), unit },
          Number(v.match(/^\d+/)?.[0] ?? 0) * (v.endsWith("Gi") ? 1024 ** 3 : v.endsWith("Mi") ? 1024 ** 2 : 1),
        );
      }
    }
    return x.text();
  };
}
