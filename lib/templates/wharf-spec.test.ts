import { describe, expect, it } from "vitest";
import { parseWharfSpec, ZWharfSpec } from "./wharf-spec";

const minimal = {
  apiVersion: "wharf.dev/v1",
  kind: "Application",
  metadata: { name: "shop", team: "retail" },
  spec: {
    services: [
      {
        name: "api",
        kind: "api",
        image: { repository: "registry.example.com/retail/shop" },
        ports: [{ name: "http", containerPort: 8080 }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: 1, memory: "256Mi" } },
      },
    ],
  },
};

const withService = (patch: Record<string, unknown>) => ({ ...minimal, spec: { services: [{ ...minimal.spec.services[0], ...patch }] } });

function errors(raw: unknown): string[] {
  const r = ZWharfSpec.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("wharf.yaml (ZWharfSpec)", () => {
  it("a minimal spec gets the rollout defaults: no unavailable replica, 25% surge", () => {
    const spec = ZWharfSpec.parse(minimal);
    const api = spec.spec.services[0];
    expect(api.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
    expect(api.resources.limits.cpu).toBe("1");
    expect(api).toMatchObject({ replicas: 1, env: [], config: [], terminationGracePeriodSeconds: 30, image: { tag: "latest" } });
    expect(spec.metadata.tier).toBe("standard");
  });

  it("requests above their limits are refused on the field", () => {
    const e = errors(withService({ resources: { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "500m", memory: "512Mi" } } }));
    expect(e).toEqual([
      "spec.services.0.resources.requests.cpu: must not exceed the limit (500m)",
      "spec.services.0.resources.requests.memory: must not exceed the limit (512Mi)",
    ]);
  });

  it("a GPU is an extended resource: a whole number, requested only as much as its limit", () => {
    expect(errors(withService({ resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": 1 } } }))).toEqual([]);
    expect(
      errors(
        withService({ resources: { requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": 2 }, limits: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": 1 } } }),
      ),
    ).toEqual(["spec.services.0.resources.requests.nvidia.com/gpu: must equal limits.nvidia.com/gpu (extended resources cannot be overcommitted)"]);
  });

  it("an api service needs a port; a preStop delay needs a longer grace period", () => {
    expect(errors(withService({ ports: [] }))).toEqual(["spec.services.0.ports: an api service needs at least one port"]);
    expect(errors(withService({ lifecycle: { preStopDelaySeconds: 30 }, terminationGracePeriodSeconds: 30 }))[0]).toMatch(/terminationGracePeriodSeconds/);
  });

  it("parseWharfSpec reports YAML and schema problems as lines, never throws", () => {
    expect(parseWharfSpec("a: [")).toMatchObject({ ok: false });
    const r = parseWharfSpec("apiVersion: wharf.dev/v2\nkind: Application\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContain('apiVersion: must be "wharf.dev/v1"');
  });
});
