/** Spec versions through the real database: optimistic saves, field errors by path, rights, the template's first version. */
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { specToYaml, type TAppSpec } from "./spec";
import { getServiceSpec, previewManifests, saveServiceSpec } from "./specs";

let owner: Ctx;
let developer: Ctx;
let viewer: Ctx;
let projectId: string;
let serviceId: string;

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}

beforeAll(async () => {
  const [o, d, v] = await Promise.all([makeUser("developer"), makeUser("developer"), makeUser("developer")]);
  const project = await makeProject({ owner: o, slug: "shop", members: [[d, "developer"]], lifecycle: "active" });
  await db().projectMember.create({ data: { projectId: project.id, userId: v.id, role: "viewer" } });
  projectId = project.id;
  serviceId = (await db().service.create({ data: { projectId, slug: "api", name: "API", kind: "api" } })).id;
  [owner, developer, viewer] = await Promise.all([ctxFor(o), ctxFor(d), ctxFor(v)]);
});

describe("saveServiceSpec", () => {
  it("starts from defaults (version 0), then saves version 1 and 2 with who and why", async () => {
    const initial = await getServiceSpec(developer, serviceId);
    expect(initial).toMatchObject({ version: 0, saved: false, versions: [] });
    expect(initial.spec.image.repository).toBe("registry.wharf.local/shop/api");
    expect(initial.spec.strategy).toMatchObject({ rollingUpdate: { maxUnavailable: 0 } });

    const spec: TAppSpec = { ...initial.spec, replicas: 3 };
    expect(await saveServiceSpec(developer, { serviceId, baseVersion: 0, spec, comment: "three replicas for the sale" })).toEqual({
      version: 1,
      rulesRunId: null,
    });
    expect(await saveServiceSpec(owner, { serviceId, baseVersion: 1, spec: { ...spec, minAvailable: 2 } })).toEqual({ version: 2, rulesRunId: null });

    const after = await getServiceSpec(viewer, serviceId);
    expect(after).toMatchObject({ version: 2, saved: true });
    expect(after.spec).toMatchObject({ replicas: 3, minAvailable: 2 });
    expect(after.versions.map((v) => [v.version, v.comment, v.createdById])).toEqual([
      [2, "", owner.actor.id],
      [1, "three replicas for the sale", developer.actor.id],
    ]);
    const audit = await db().auditEvent.findMany({ where: { projectId, action: "service.spec.update" }, orderBy: { at: "asc" } });
    expect(audit).toHaveLength(2);
  });

  it("refuses a stale baseVersion with CONFLICT and writes nothing", async () => {
    const { version, spec } = await getServiceSpec(developer, serviceId);
    const auditBefore = await db().auditEvent.count({ where: { projectId } });
    const e = await failure(saveServiceSpec(developer, { serviceId, baseVersion: version - 1, spec: { ...spec, replicas: 9 }, comment: "stale" }));
    expect(e.code).toBe("CONFLICT");
    expect(e.message).toContain(`Version ${version}`);
    expect(await db().serviceSpec.count({ where: { serviceId } })).toBe(version);
    expect(await db().auditEvent.count({ where: { projectId } })).toBe(auditBefore);
  });

  it("refuses a bad spec with INVALID_INPUT and spec.<path> field errors", async () => {
    const { version, spec } = await getServiceSpec(developer, serviceId);
    const bad = {
      ...spec,
      replicas: -1,
      resources: { requests: { cpu: "2", memory: "128Mi" }, limits: { cpu: "1", memory: "lots" } },
      ports: [
        { name: "http", containerPort: 8080 },
        { name: "http", containerPort: 8081 },
      ],
    };
    const e = await failure(saveServiceSpec(developer, { serviceId, baseVersion: version, spec: bad }));
    expect(e.code).toBe("INVALID_INPUT");
    const fieldErrors = e.fieldErrors ?? {};
    expect(Object.keys(fieldErrors)).toEqual(expect.arrayContaining(["spec.replicas", "spec.resources.limits.memory", "spec.ports.1.name"]));
    expect(fieldErrors["spec.ports.1.name"]).toEqual(['"http" is used twice']);
    expect(await db().serviceSpec.count({ where: { serviceId } })).toBe(version);
  });

  it("refuses a viewer with FORBIDDEN, who may still read and preview", async () => {
    const { version, spec } = await getServiceSpec(viewer, serviceId);
    const e = await failure(saveServiceSpec(viewer, { serviceId, baseVersion: version, spec }));
    expect(e.code).toBe("FORBIDDEN");
    const preview = await previewManifests(viewer, serviceId, spec, "dev", "1.0.0");
    expect(preview.clusters).toEqual([]);
    expect(preview.objects.map((o) => o.kind)).toEqual(["Deployment", "Service", "PodDisruptionBudget"]);
    expect(JSON.stringify(preview.objects[0])).toContain("registry.wharf.local/shop/api:1.0.0");
    const stranger = await ctxFor(await makeUser("developer"));
    expect((await failure(getServiceSpec(stranger, serviceId))).code).toBe("FORBIDDEN");
  });

  it("answers NOT_FOUND for a service that does not exist", async () => {
    expect((await failure(getServiceSpec(owner, "nope"))).code).toBe("NOT_FOUND");
  });
});

describe("previewManifests", () => {
  it("names the clusters of the environment and refuses a spec with problems", async () => {
    const cluster = await db().cluster.create({
      data: { name: "eu-west-1", region: "eu-west", apiUrl: "https://127.0.0.1:1", kubeconfigEncrypted: "x", context: "x" },
    });
    await db().environment.create({ data: { projectId, kind: "prod", clusters: { create: [{ clusterId: cluster.id }] } } });
    const { spec } = await getServiceSpec(developer, serviceId);
    const prod = await previewManifests(developer, serviceId, { ...spec, overrides: { prod: { replicas: 5 } } }, "prod");
    expect(prod.clusters).toEqual(["eu-west-1"]);
    expect(prod.objects[0]).toMatchObject({ kind: "Deployment", metadata: { namespace: "shop-prod" }, spec: { replicas: 5 } });
    const e = await failure(previewManifests(developer, serviceId, { ...spec, replicas: "many" }, "prod"));
    expect(e.code).toBe("INVALID_INPUT");
  });
});

describe("the initial spec of a generated project", () => {
  it("comes from the node-ts template's wharf.yaml", async () => {
    const o = await makeUser("developer");
    const p = await makeProject({ owner: o, slug: "hello-node" });
    await db().project.update({ where: { id: p.id }, data: { templateId: "node-ts" } });
    const svc = await db().service.create({ data: { projectId: p.id, slug: "api", name: "API", kind: "api" } });
    const { version, spec } = await getServiceSpec(await ctxFor(o), svc.id);
    expect(version).toBe(0);
    // The template's values, not the defaults for a service without a template.
    expect(spec.image.repository).toContain("hello-node");
    expect(spec.resources.limits.memory).toBe("256Mi");
    expect(spec.autoscaling).toMatchObject({ enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 });
    expect(spec.probes.startup?.httpGet).toBeDefined();
    expect(spec.env.map((e) => e.name)).toEqual(["PORT", "LOG_LEVEL", "SHUTDOWN_TIMEOUT_MS"]);
    expect(specToYaml(spec)).toContain("preStopDelaySeconds: 5");
  });
});
