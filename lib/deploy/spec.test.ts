import path from "node:path";
import { describe, expect, it } from "vitest";
import { sampleRenderValues, unsafeLoadTemplateCatalog } from "@/lib/templates/gallery";
import { renderTemplate } from "@/lib/templates/render";
import { GPU_RESOURCE, parseWharfSpec } from "@/lib/templates/wharf-spec";
import { ZAppSpec, objectivesOf, parseSpecYaml, resolveSpec, specFromWharfService, specToYaml, type TAppSpecInput } from "./spec";
import { renderManifests, type RenderContext } from "./render";

// Plain objects: the resource lists' input type (known keys plus a numeric catchall) cannot be written as a literal.
type Patch = { [K in keyof TAppSpecInput]?: unknown };
const base: Patch = {
  image: { repository: "registry.wharf.local/shop/api" },
  replicas: 2,
  ports: [{ name: "http", containerPort: 8080 }],
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  probes: { readiness: { httpGet: { path: "/readyz", port: "http" } } },
  lifecycle: { preStopDelaySeconds: 5 },
};

const spec = (patch: Patch = {}) => ZAppSpec.parse({ ...base, ...patch });

describe("ZAppSpec", () => {
  it("defaults to a lossless rolling update (maxUnavailable 0), spread, a PDB of 1, a 120 s deadline and 10 s ready before available", () => {
    const s = spec();
    expect(s.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
    expect(s.spread).toEqual({ acrossNodes: true, acrossZones: true });
    expect(s.minAvailable).toBe(1);
    expect(s.rollout).toEqual({ progressDeadlineSeconds: 120, minReadySeconds: 10, autoRollback: false });
    expect(s.overrides).toEqual({});
  });

  it("keeps specs without objectives valid, with the default objectives (1% errors, p99 0.5 s), and takes a service's own", () => {
    expect(spec().objectives).toBeUndefined();
    expect(objectivesOf(spec())).toEqual({ errorRatio: 0.01, latencyP99Seconds: 0.5 });
    expect(objectivesOf(spec({ objectives: { errorRatio: 0.05 } }))).toEqual({ errorRatio: 0.05, latencyP99Seconds: 0.5 });
    expect(objectivesOf(spec({ objectives: { errorRatio: 0.02, latencyP99Seconds: 1.5 } }))).toEqual({ errorRatio: 0.02, latencyP99Seconds: 1.5 });
  });

  it("refuses an error-ratio objective that is not a share, at its line in the YAML", () => {
    const r = parseSpecYaml(specToYaml({ ...(base as TAppSpecInput), objectives: { errorRatio: 5 } }));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems).toEqual([expect.objectContaining({ path: "objectives.errorRatio", message: "must be below 1 (a share of requests: 0.01 is 1%)" })]);
  });

  it("refuses a minAvailable that would block every drain, and a grace period shorter than preStop", () => {
    const r = ZAppSpec.safeParse({ ...base, minAvailable: 2, terminationGracePeriodSeconds: 5 });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["minAvailable", "terminationGracePeriodSeconds"]));
    const slow = ZAppSpec.safeParse({ ...base, rollout: { progressDeadlineSeconds: 30, minReadySeconds: 30 } });
    expect(slow.error?.issues.map((i) => `${i.path.join(".")} ${i.message}`)).toEqual([
      "rollout.minReadySeconds must be shorter than rollout.progressDeadlineSeconds, or every rollout fails its deadline",
    ]);
  });

  it("resolves overrides per environment: replicas, resources, autoscaling, env merged by name", () => {
    const s = spec({
      env: [
        { name: "LOG_LEVEL", value: "info" },
        { name: "REGION", value: "eu" },
      ],
      overrides: {
        dev: { replicas: 1, env: [{ name: "LOG_LEVEL", value: "debug" }] },
        prod: {
          resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
          autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 10, targetCPUUtilizationPercentage: 60 },
        },
      },
    });
    const dev = resolveSpec(s, "dev");
    expect(dev.replicas).toBe(1);
    expect(dev.env).toEqual([
      { name: "REGION", value: "eu" },
      { name: "LOG_LEVEL", value: "debug" },
    ]);
    expect(dev.resources.limits.cpu).toBe("500m");
    const prod = resolveSpec(s, "prod");
    expect(prod.replicas).toBe(2);
    expect(prod.resources.limits).toEqual({ cpu: "2", memory: "2Gi" });
    expect(prod.autoscaling).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(resolveSpec(s, "staging")).toEqual(resolveSpec(spec({ env: s.env }), "staging"));
    expect("overrides" in prod).toBe(false);
  });

  it("round-trips through YAML", () => {
    const s = spec({ command: ["node"], args: ["server.js"], nodeSelector: { pool: "web" } });
    const parsed = parseSpecYaml(specToYaml(s));
    expect(parsed).toEqual({ ok: true, spec: s });
  });
});

describe("parseSpecYaml", () => {
  it("places a schema problem on the line of its field", () => {
    const text = [
      "image:",
      "  repository: registry.wharf.local/shop/api",
      "replicas: 2",
      "resources:",
      "  requests:",
      "    cpu: 900m",
      "    memory: 128Mi",
      "  limits:",
      "    cpu: 500m",
      "    memory: 256Mi",
    ].join("\n");
    const r = parseSpecYaml(text);
    expect(r).toEqual({ ok: false, problems: [{ path: "resources.requests.cpu", message: "must not exceed the limit (500m)", line: 6 }] });
  });

  it("places a missing field on its parent's line and an unknown key on its own", () => {
    const text = [
      "image:",
      "  repository: registry.wharf.local/shop/api",
      "resources:",
      "  requests: { cpu: 100m, memory: 1Mi }",
      "  limits: { cpu: 1, memory: 1Gi }",
      "replicaz: 3",
    ].join("\n");
    const r = parseSpecYaml(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ path: "", line: 1 });
    expect(r.problems[0]!.message).toMatch(/replicaz/);
  });

  it("places a YAML syntax error on its line", () => {
    const text = ["image:", "  repository: registry.wharf.local/shop/api", "replicas: 2", "env:", '  - name: "LOG_LEVEL', "ports: []"].join("\n");
    const r = parseSpecYaml(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]).toMatchObject({ path: "" });
    expect(r.problems[0]!.line).toBeGreaterThanOrEqual(5);
    const flow = parseSpecYaml(["image:", "  repository: a", "replicas: [1, 2", "ports: []"].join("\n"));
    expect(flow.ok ? undefined : flow.problems[0]!.line).toBe(4);
  });
});

describe("specFromWharfService", () => {
  it("turns every service of every built-in template's wharf.yaml (GPU or not) into a valid spec", async () => {
    const catalog = await unsafeLoadTemplateCatalog({ builtin: path.resolve(process.cwd(), "templates") });
    expect(catalog.invalid).toEqual([]);
    expect(catalog.templates.map((t) => t.id).sort()).toEqual(["node-ts", "python-fastapi", "spring-boot"]);
    let checked = 0;
    for (const template of catalog.templates) {
      for (const gpu of template.manifest.gpu ? [false, true] : [false]) {
        const wharf = renderTemplate(template, sampleRenderValues(template, { gpu })).find((f) => f.path === "wharf.yaml");
        const parsed = parseWharfSpec(wharf!.content);
        if (!parsed.ok) throw new Error(`${template.id}: ${parsed.errors.join("; ")}`);
        for (const svc of parsed.spec.spec.services) {
          const s = specFromWharfService(svc);
          expect(ZAppSpec.safeParse(s).success).toBe(true);
          expect(s.image.repository).toBe(svc.image.repository);
          expect(s.replicas).toBe(svc.replicas);
          expect(s.resources).toEqual(svc.resources);
          expect(s.probes).toEqual(svc.probes);
          expect(s.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
          expect(s.minAvailable).toBe((svc.autoscaling?.minReplicas ?? svc.replicas) > 1 ? 1 : 0);
          if (gpu) expect(s.resources.limits[GPU_RESOURCE]).toBeGreaterThan(0);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});

describe("renderManifests", () => {
  const ctx: RenderContext = {
    project: { slug: "shop" },
    service: { slug: "api", kind: "api" },
    environment: "prod",
    namespace: "shop-prod",
    image: "registry.wharf.local/shop/api:1.4.2",
  };
  type Obj = {
    kind: string;
    metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
    spec: Record<string, unknown>;
  } & Record<string, unknown>;
  const render = (s = spec(), c: Partial<RenderContext> = {}) => renderManifests(s, { ...ctx, ...c }) as unknown as Obj[];
  const byKind = (objs: Obj[], kind: string) => objs.find((o) => o.kind === kind);

  it("gives Deployment, Service, HPA and PDB, named after the service, in the environment's namespace", () => {
    const objs = render(spec({ autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } }));
    expect(objs.map((o) => o.kind)).toEqual(["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"]);
    for (const o of objs) expect(o.metadata).toMatchObject({ name: "api", namespace: "shop-prod", labels: { "wharf.dev/environment": "prod" } });
    const hpa = byKind(objs, "HorizontalPodAutoscaler")!;
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { kind: "Deployment", name: "api" }, minReplicas: 2, maxReplicas: 5 });
    expect(JSON.stringify(hpa.spec.metrics)).toContain('"averageUtilization":70');
    expect(byKind(objs, "PodDisruptionBudget")!.spec).toMatchObject({ minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "api" } } });
    expect(byKind(objs, "Service")!.spec).toMatchObject({ ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }] });
  });

  it("leaves replicas to the autoscaler when there is one, and sets them otherwise", () => {
    const scaled = byKind(render(spec({ autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } })), "Deployment")!;
    expect(scaled.spec).not.toHaveProperty("replicas");
    const fixed = render(spec({ replicas: 3 }));
    expect(byKind(fixed, "Deployment")!.spec.replicas).toBe(3);
    expect(byKind(fixed, "HorizontalPodAutoscaler")).toBeUndefined();
  });

  it("spreads across nodes and zones, sleeps before stopping, sets the rollout deadline and the strategy", () => {
    const d = byKind(render(spec({ rollout: { progressDeadlineSeconds: 300, minReadySeconds: 15, autoRollback: true } })), "Deployment")!;
    const pod = (
      d.spec.template as {
        spec: { containers: Record<string, unknown>[]; topologySpreadConstraints: { topologyKey: string }[]; terminationGracePeriodSeconds: number };
      }
    ).spec;
    expect(pod.topologySpreadConstraints.map((t) => t.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
    expect(pod.containers[0]!.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(pod.containers[0]!.image).toBe("registry.wharf.local/shop/api:1.4.2");
    expect(pod.containers[0]!.env).toContainEqual({ name: "WHARF_ENVIRONMENT", value: "prod" });
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(d.spec.progressDeadlineSeconds).toBe(300);
    expect(d.spec.minReadySeconds).toBe(15);
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
    const none = byKind(render(spec({ spread: { acrossNodes: false, acrossZones: false }, lifecycle: { preStopDelaySeconds: 0 } })), "Deployment")!;
    const nonePod = (none.spec.template as { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } }).spec;
    expect(nonePod).not.toHaveProperty("topologySpreadConstraints");
    expect(nonePod.containers[0]).not.toHaveProperty("lifecycle");
  });

  it("annotates the change cause when a release is given, and nothing when previewing", () => {
    const released = byKind(render(spec(), { release: { id: "rel_1", number: 7 } }), "Deployment")!;
    expect(released.metadata.annotations).toEqual({
      "wharf.dev/release": "7",
      "wharf.dev/release-id": "rel_1",
      "kubernetes.io/change-cause": "wharf release #7: registry.wharf.local/shop/api:1.4.2",
    });
    expect(byKind(render(), "Deployment")!.metadata.annotations).toEqual({});
  });

  it("renders the environment's overrides, and no Service or PDB when there are no ports or minAvailable is 0", () => {
    const s = spec({ ports: [], probes: {}, minAvailable: 0, overrides: { dev: { replicas: 1 } } });
    const objs = render(s, { environment: "dev", namespace: "shop-dev" });
    expect(objs.map((o) => o.kind)).toEqual(["Deployment"]);
    expect(objs[0]!.spec.replicas).toBe(1);
  });
});
