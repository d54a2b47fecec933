/**
 * Which services the deployment matrix shows, among many projects: the
 * actor's scope is applied in the query (not after a first page of
 * projects), and the result comes a page at a time with its count.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { isAppError, parseInput } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { ctxFor, makeTeam, makeUser, unreachableKubeconfig } from "@/test/factories";
import { deploymentMatrix, matrixOptionsFromUrl, ZMatrixQuery } from "./matrix";

/** Projects whose names sort before the developer's: more than the old first batch of 500. */
const OTHERS = 620;
const pad = (i: number) => String(i).padStart(4, "0");

let member: Ctx;
let viewer: Ctx;
let outsider: Ctx;
let ops: Ctx;

beforeAll(async () => {
  const owner = await makeUser("developer", "matrix owner");
  const team = await makeTeam("matrix-team");
  const others = await db().project.createManyAndReturn({
    data: Array.from({ length: OTHERS }, (_, i) => ({
      slug: `aaa-${pad(i)}`,
      name: `AAA project ${pad(i)}`,
      teamId: team.id,
      ownerId: owner.id,
      lifecycle: "active" as const,
      searchText: `aaa-${pad(i)}`,
    })),
    select: { id: true },
  });
  await db().service.createMany({ data: others.map((p) => ({ projectId: p.id, slug: "api", name: "API", kind: "api" as const })) });
  await db().environment.createMany({ data: others.map((p) => ({ projectId: p.id, kind: "dev" as const })) });
  // Neither archived nor requested projects are deployed anywhere: they never show.
  for (const lifecycle of ["archived", "requested"] as const) {
    await db().project.create({
      data: {
        slug: `aaa-${lifecycle}`,
        name: `AAA ${lifecycle}`,
        teamId: team.id,
        ownerId: owner.id,
        lifecycle,
        services: { create: { slug: "api", name: "API" } },
        environments: { create: { kind: "dev" } },
      },
    });
  }

  const dev = await makeUser("developer", "zeta developer");
  const reader = await makeUser("developer", "zeta viewer");
  const admin = await ctxFor(await makeUser("admin"));
  const cluster = await registerCluster(admin, {
    name: "matrix-east",
    region: "eu",
    tier: "prod",
    kubeconfig: unreachableKubeconfig("matrix-east"),
    displayName: "",
    context: "",
  });
  await db().project.create({
    data: {
      slug: "zeta-payments",
      name: "Zeta payments",
      teamId: team.id,
      ownerId: owner.id,
      lifecycle: "active",
      members: {
        create: [
          { userId: dev.id, role: "developer" },
          { userId: reader.id, role: "viewer" },
        ],
      },
      services: {
        create: [
          { slug: "api", name: "API" },
          { slug: "worker", name: "Worker", kind: "worker" },
        ],
      },
      environments: { create: [{ kind: "dev" }, { kind: "prod", clusters: { create: { clusterId: cluster.id } } }] },
    },
  });
  member = await ctxFor(dev);
  viewer = await ctxFor(reader);
  outsider = await ctxFor(await makeUser("developer", "not a member"));
  ops = await ctxFor(await makeUser("ops"));
});

const keys = (m: { rows: { projectSlug: string; service: string; environment: string }[] }) =>
  m.rows.map((r) => `${r.projectSlug}/${r.service}/${r.environment}`);

describe("the deployment matrix among 600+ projects", () => {
  it("a developer sees the services of their project even when its name sorts after 600 others", async () => {
    const m = await deploymentMatrix(member);
    expect(keys(m)).toEqual(["zeta-payments/api/dev", "zeta-payments/api/prod", "zeta-payments/worker/dev", "zeta-payments/worker/prod"]);
    expect(m).toMatchObject({ total: 2, page: 1, pages: 1 });
    // Its cluster is read (here: one that does not answer, marked in its own cell).
    expect(m.rows[1]!.cells).toEqual([expect.objectContaining({ cluster: "matrix-east", status: "unreachable" })]);
    expect((await deploymentMatrix(viewer)).total).toBe(2);
  });

  it("a developer who is not a member sees none of it, nor anyone else's project", async () => {
    const m = await deploymentMatrix(outsider);
    expect(m.rows).toEqual([]);
    expect(m.total).toBe(0);
    expect((await deploymentMatrix(outsider, { projectSlug: "zeta-payments" })).rows).toEqual([]);
  });

  it("ops see every active project a page at a time: the pages are disjoint, in order, and add up to the count", async () => {
    const first = await deploymentMatrix(ops, { size: 100 });
    expect(first.total).toBe(OTHERS + 2);
    expect(first.pages).toBe(Math.ceil((OTHERS + 2) / 100));
    const seen: string[] = [];
    for (let page = 1; page <= first.pages; page++) {
      const m = await deploymentMatrix(ops, { size: 100, page });
      expect(m.page).toBe(page);
      expect(new Set(m.rows.map((r) => r.serviceId)).size).toBe(page < first.pages ? 100 : (OTHERS + 2) % 100 || 100);
      seen.push(...new Set(m.rows.map((r) => `${r.projectSlug}/${r.service}`)));
    }
    expect(new Set(seen).size).toBe(OTHERS + 2);
    expect(seen).toEqual([...Array.from({ length: OTHERS }, (_, i) => `aaa-${pad(i)}/api`), "zeta-payments/api", "zeta-payments/worker"]);
    expect(seen.some((s) => s.startsWith("aaa-archived") || s.startsWith("aaa-requested"))).toBe(false);
    expect((await deploymentMatrix(ops, { size: 100, page: first.pages + 1 })).rows).toEqual([]);
  });

  it("search and the environment filter pick the services in the query, and the count follows them", async () => {
    expect(keys(await deploymentMatrix(ops, { q: "zeta" }))).toHaveLength(4);
    expect(keys(await deploymentMatrix(ops, { q: "payments/work" }))).toEqual(["zeta-payments/worker/dev", "zeta-payments/worker/prod"]);
    expect(keys(await deploymentMatrix(ops, { q: "AAA-0617/" }))).toEqual(["aaa-0617/api/dev"]);
    const prod = await deploymentMatrix(ops, { environment: "prod" });
    expect(keys(prod)).toEqual(["zeta-payments/api/prod", "zeta-payments/worker/prod"]);
    expect(prod.total).toBe(2);
    const dev = await deploymentMatrix(ops, { environment: "dev", q: "aaa-00", size: 50, page: 2 });
    expect(dev.total).toBe(100);
    expect(keys(dev)[0]).toBe("aaa-0050/api/dev");
    for (const q of ["a/b/c", "100%", "zeta payments"]) expect((await deploymentMatrix(ops, { q })).total, q).toBe(0);
    expect((await deploymentMatrix(member, { q: "aaa" })).total).toBe(0);
  });
});

describe("the matrix's query", () => {
  it("the API refuses a bad page, size or environment, saying what to fix on the URL's parameter", () => {
    let error: unknown;
    try {
      parseInput(ZMatrixQuery, { page: "0", size: "7", env: "qa", project: "" });
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.fieldErrors).toEqual({
      page: ["Pages start at 1"],
      size: ["Use a page size of 20, 50, 100"],
      env: ["Choose one of dev, test, staging, prod"],
    });
    expect(parseInput(ZMatrixQuery, { page: "3", size: "50", env: "", q: " shop " })).toEqual({ page: 3, size: 50, q: "shop" });
  });

  it("the page's URL falls back to defaults instead of failing", () => {
    expect(matrixOptionsFromUrl({ page: "-2", size: "1000", env: "qa", q: "  shop ", project: ["zeta-payments", "x"] })).toEqual({
      page: 1,
      size: 20,
      q: "shop",
      projectSlug: "zeta-payments",
    });
  });
});
