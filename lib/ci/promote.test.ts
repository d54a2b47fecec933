/**
 * GitFlow promotion against sandbox clusters (one that builds, two that run
 * the project's environments) and a real worker: a develop run's image is
 * released to dev on both clusters, pinned by its digest and linked back to
 * the run; a run whose tests fail, or whose coverage is under the project's
 * threshold, is blocked with the reason (and promoted on retry once a
 * maintainer lowers the threshold); release/* goes to test and staging; a tag
 * opens a production deploy ticket; feature/* promotes nothing; a busy
 * environment makes the promotion wait, and it releases once that is free;
 * only those allowed may retry.
 */
import { AppsV1Api } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { getRelease } from "@/lib/deploy/observe";
import { createRelease } from "@/lib/deploy/releases";
import { getServiceSpec, saveServiceSpec } from "@/lib/deploy/specs";
import { AppError } from "@/lib/errors";
import { applyObjects } from "@/lib/kube/apply";
import { connectCluster } from "@/lib/kube/connection";
import { namespaceName } from "@/lib/provisioning/manifests";
import { getTicket } from "@/lib/tickets/query";
import type { ViewField } from "@/lib/tickets/types";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { generateCi } from "./generate";
import { loadCiInputs } from "./input";
import { promotionsOfRun, retryPromotion } from "./promote";
import { startRun } from "./runs";
import { updateCiSettings } from "./settings-store";
import { registerBuildCluster, runReaches } from "./testing";

// Every read goes to the clusters (the release page's live state).
process.env.WHARF_CLUSTER_READ_CACHE_MS = "0";
const env = sandboxForThisFile({
  clusters: [
    { name: "build-east", region: "us-east" },
    { name: "sandbox-east", region: "us-east" },
    { name: "sandbox-west", region: "us-west" },
  ],
  simulation: { ...FAST_SIMULATION, tektonStepMs: 60 },
});
workerForThisFile({ concurrency: 10 });

const ENVS = ["dev", "test", "staging", "prod"] as const;
let admin: Ctx;
let ops: Ctx;
let buildId: string;
let envClusters: string[];

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  ops = await ctxFor(await makeUser("ops"));
  buildId = await registerBuildCluster(admin, env.sandbox);
  envClusters = (await db().cluster.findMany({ where: { name: { in: ["sandbox-east", "sandbox-west"] } }, orderBy: { name: "asc" } })).map((c) => c.id);
});

/**
 * An active project with an api service whose four environments run on sandbox-east and sandbox-west (their
 * namespaces there), and its pipeline applied on the build cluster.
 */
async function promotionProject(slug: string, members: [{ id: string }, "maintainer" | "developer" | "viewer"][] = []) {
  const owner = await makeUser("developer", `owner ${slug}`);
  const project = await makeProject({ owner, slug, lifecycle: "active", members });
  await db().project.update({ where: { id: project.id }, data: { templateId: "", language: "node" } });
  const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "api", kind: "api" } });
  for (const kind of ENVS) {
    await db().environment.create({ data: { projectId: project.id, kind, clusters: { create: envClusters.map((clusterId) => ({ clusterId })) } } });
    for (const clusterId of envClusters) {
      await applyObjects(await connectCluster(clusterId), [{ apiVersion: "v1", kind: "Namespace", metadata: { name: namespaceName(slug, kind) } }]);
    }
  }
  const [loaded] = await loadCiInputs({ id: project.id });
  await applyObjects(await connectCluster(buildId), generateCi(loaded!.input!).objects);
  // minReadySeconds is real time in the sandbox: 0 keeps the rollouts quick where they are not the point.
  const ownerCtx = await ctxFor(owner);
  const { spec } = await getServiceSpec(ownerCtx, service.id);
  await saveServiceSpec(ownerCtx, { serviceId: service.id, baseVersion: 0, spec: { ...spec, rollout: { ...spec.rollout, minReadySeconds: 0 } } });
  return { project, service, owner: ownerCtx, ownerId: owner.id };
}

/** Waits until every promotion of the run has left `pending` (or, with `status`, reached it). */
function promotionsSettle(runId: string, opts: { count: number; status?: string; withReason?: boolean; timeoutMs?: number }) {
  return until(
    async () => {
      const rows = await db().ciPromotion.findMany({ where: { runId }, orderBy: { environment: "asc" } });
      const done =
        rows.length === opts.count &&
        rows.every((r) => (opts.status ? r.status === opts.status : r.status !== "pending") && (!opts.withReason || r.reason !== ""));
      return done ? rows : null;
    },
    opts.timeoutMs ?? 30_000,
    `the promotions of run ${runId}`,
  );
}

/** Waits until the graphile queue has no promotion job left for the run (it ran, whatever it decided). */
function promotionJobDone(runId: string) {
  return until(
    async () => {
      const rows = await db().$queryRaw<{ n: bigint }[]>`select count(*) as n from graphile_worker._private_jobs where key = ${`ci-promote-${runId}`}`;
      return rows[0]!.n === 0n;
    },
    20_000,
    `the promotion job of run ${runId}`,
  );
}

async function refusal(p: Promise<unknown>) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe("promotion by the branch policy", () => {
  it("deploys a develop run's image to dev on both clusters, pinned by its digest, and the release links back to the run", async () => {
    const { project, service, owner, ownerId } = await promotionProject("promo-dev");
    const { id } = await startRun(owner, { projectSlug: "promo-dev", service: "api", branch: "develop", params: { "commit-message": "Add the cart" } });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status, run.reason).toBe("succeeded");
    const [promotion] = await promotionsSettle(id, { count: 1 });
    expect(promotion).toMatchObject({ environment: "dev", action: "deploy", status: "released" });

    const release = await db().release.findUniqueOrThrow({ where: { id: promotion!.releaseId! } });
    const pinned = `registry.wharf.local/promo-dev/api:develop@${run.imageDigest}`;
    expect(release).toMatchObject({ serviceId: service.id, environment: "dev", ciRunId: id, tag: "develop", image: pinned });
    expect(promotion!.reason).toBe(`Release #${release.number} of api to dev`);
    await until(async () => (await db().release.findUnique({ where: { id: release.id } }))?.status === "succeeded", 40_000, "the release to roll out");
    for (const clusterId of envClusters) {
      const d = await (await connectCluster(clusterId)).api(AppsV1Api).readNamespacedDeployment({ name: "api", namespace: "promo-dev-dev" });
      expect(d.spec?.template.spec?.containers[0]?.image).toBe(pinned);
    }

    // The release page says which run built it; the run page lists where it went.
    const view = await getRelease(owner, release.id);
    expect(view.builtBy).toMatchObject({ number: run.number, ref: "develop", projectSlug: "promo-dev", path: `/projects/promo-dev/builds/${run.number}` });
    const listed = await promotionsOfRun(owner, id);
    expect(listed).toMatchObject([
      { environment: "dev", status: "released", release: { id: release.id, number: release.number, service: "api" }, ticket: null, canRetry: false },
    ]);

    // Audited as the system on behalf of the run, with its commit; the pusher was not asked for deploy.create.
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "ci.promotion.released", targetId: promotion!.id } });
    expect(audit).toMatchObject({ actorLabel: "system", projectId: project.id });
    expect(audit.after).toMatchObject({ status: "released", releaseId: release.id, onBehalfOf: { run: id, number: run.number, ref: "develop" } });
    const deployAudit = await db().auditEvent.findFirstOrThrow({ where: { action: "deploy.create", targetId: release.id } });
    expect(deployAudit.after).toMatchObject({ ciRunId: id, image: pinned });
    // A release is news for nobody here: the requester hears of blocks, failures and tickets only.
    expect(await db().notification.count({ where: { userId: ownerId, link: `/projects/promo-dev/builds/${run.number}` } })).toBe(0);
  });

  it("blocks a [fail-tests] run at its failed test step: nothing is deployed and the requester hears why", async () => {
    const { ownerId, owner } = await promotionProject("promo-red");
    const { id } = await startRun(owner, {
      projectSlug: "promo-red",
      service: "api",
      branch: "develop",
      params: { "commit-message": "Refactor [fail-tests]" },
    });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/^Task test failed: /);
    const [promotion] = await promotionsSettle(id, { count: 1 });
    expect(promotion).toMatchObject({ environment: "dev", status: "blocked", releaseId: null });
    expect(promotion!.reason).toBe(`The run failed: ${run.reason}`);
    expect(await db().release.count({ where: { ciRunId: id } })).toBe(0);
    const news = await db().notification.findFirstOrThrow({ where: { userId: ownerId, link: `/projects/promo-red/builds/${run.number}` } });
    expect(news).toMatchObject({ title: `Run #${run.number} of promo-red/api was not promoted to dev`, body: promotion!.reason });
  });

  it("blocks a [low-coverage] run with the coverage and the threshold, and promotes it on retry once a maintainer lowers the threshold", async () => {
    const maintainer = await makeUser("developer", "maintainer of promo-cov");
    const developer = await makeUser("developer", "developer of promo-cov");
    const viewer = await makeUser("developer", "viewer of promo-cov");
    const { project, owner } = await promotionProject("promo-cov", [
      [maintainer, "maintainer"],
      [developer, "developer"],
      [viewer, "viewer"],
    ]);
    const { id } = await startRun(owner, { projectSlug: "promo-cov", service: "api", branch: "develop", params: { "commit-message": "Spike [low-coverage]" } });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status, run.reason).toBe("succeeded");
    expect(run.coverage).toBeLessThan(60);
    const [blocked] = await promotionsSettle(id, { count: 1 });
    expect(blocked).toMatchObject({ status: "blocked", releaseId: null });
    expect(blocked!.reason).toBe(`Coverage ${run.coverage!.toFixed(1)}% is below the project's threshold of 60%`);

    // Retrying with the same gates finds the same reason.
    const again = await retryPromotion(await ctxFor(developer), { promotionId: blocked!.id });
    expect(again).toMatchObject({ status: "blocked", reason: blocked!.reason });

    // A viewer of the project and a member of another project are refused.
    const viewerCtx = await ctxFor(viewer);
    expect(await promotionsOfRun(viewerCtx, id)).toMatchObject([{ status: "blocked", canRetry: false }]);
    expect((await refusal(retryPromotion(viewerCtx, { promotionId: blocked!.id }))).code).toBe("FORBIDDEN");
    const stranger = await makeUser("developer", "member of another project");
    await makeProject({ owner: await makeUser("developer"), slug: "promo-elsewhere", lifecycle: "active", members: [[stranger, "developer"]] });
    expect((await refusal(retryPromotion(await ctxFor(stranger), { promotionId: blocked!.id }))).code).toBe("NOT_FOUND");
    expect(await db().release.count({ where: { ciRunId: id } })).toBe(0);

    const maintainerCtx = await ctxFor(maintainer);
    await updateCiSettings(maintainerCtx, { projectId: project.id, version: 0, settings: { gates: { testsPass: true, coverage: 30 } } });
    const released = await retryPromotion(await ctxFor(developer), { promotionId: blocked!.id });
    expect(released.status).toBe("released");
    const release = await db().release.findUniqueOrThrow({ where: { id: released.releaseId! } });
    expect(release).toMatchObject({ environment: "dev", ciRunId: id });
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "ci.promotion.released", targetId: blocked!.id } });
    expect(audit.actorId).toBe(developer.id);
    expect(audit.before).toMatchObject({ status: "blocked" });
    // Released is final.
    expect((await refusal(retryPromotion(maintainerCtx, { promotionId: blocked!.id }))).code).toBe("PRECONDITION_FAILED");
  });

  it("deploys a release/* run to test and staging", async () => {
    const { owner } = await promotionProject("promo-rel");
    const { id } = await startRun(owner, { projectSlug: "promo-rel", service: "api", branch: "release/1.2", params: { "commit-message": "Release 1.2" } });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status, run.reason).toBe("succeeded");
    const rows = await promotionsSettle(id, { count: 2 });
    expect(rows.map((r) => [r.environment, r.status])).toEqual([
      ["test", "released"],
      ["staging", "released"],
    ]);
    const releases = await db().release.findMany({ where: { ciRunId: id }, orderBy: { environment: "asc" } });
    expect(releases.map((r) => [r.environment, r.image])).toEqual([
      ["test", `registry.wharf.local/promo-rel/api:release-1.2@${run.imageDigest}`],
      ["staging", `registry.wharf.local/promo-rel/api:release-1.2@${run.imageDigest}`],
    ]);
  });

  it("opens a production deploy ticket for a tag v1.2.0: the release waits for approval and the ticket shows the run", async () => {
    const { owner, ownerId } = await promotionProject("promo-tag");
    const { id } = await startRun(owner, { projectSlug: "promo-tag", service: "api", branch: "v1.2.0", refKind: "tag", params: { "commit-message": "1.2.0" } });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status, run.reason).toBe("succeeded");
    const [promotion] = await promotionsSettle(id, { count: 1 });
    expect(promotion).toMatchObject({ environment: "prod", action: "ticket", status: "ticket_opened" });
    const release = await db().release.findUniqueOrThrow({ where: { id: promotion!.releaseId! } });
    expect(release).toMatchObject({ environment: "prod", status: "pending_approval", ciRunId: id, tag: "v1.2.0" });
    const ticket = await db().ticket.findUniqueOrThrow({ where: { id: release.ticketId! } });
    expect(promotion!.reason).toBe(`Release #${release.number} waits for approval: deploy ticket #${ticket.number}`);
    expect(await promotionsOfRun(owner, id)).toMatchObject([{ status: "ticket_opened", ticket: { number: ticket.number, status: "open" } }]);

    const view = await getTicket(ops, ticket.number);
    const builtBy = view.view.fields.find((f: ViewField) => f.label === "Built by");
    expect(builtBy?.value).toEqual({
      kind: "link",
      text: `run #${run.number} from ${(run.commitSha || "").slice(0, 7) || "(no commit)"} on v1.2.0`,
      href: `/projects/promo-tag/builds/${run.number}`,
    });
    const news = await db().notification.findFirstOrThrow({ where: { userId: ownerId, link: `/projects/promo-tag/builds/${run.number}` } });
    expect(news.title).toBe(`Run #${run.number} of promo-tag/api waits for approval to prod`);
  });

  it("promotes nothing for a feature/* run", async () => {
    const { owner } = await promotionProject("promo-feat");
    const { id } = await startRun(owner, { projectSlug: "promo-feat", service: "api", branch: "feature/cart", params: { "commit-message": "WIP" } });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status, run.reason).toBe("succeeded");
    await promotionJobDone(id);
    expect(await db().ciPromotion.count({ where: { runId: id } })).toBe(0);
    expect(await db().release.count({ where: { ciRunId: id } })).toBe(0);
  });

  it("waits while another release holds the environment, saying which, and releases once it has finished", async () => {
    const { service, owner } = await promotionProject("promo-busy");
    // A release whose pods must stay ready for 20 s holds dev that long (minReadySeconds is real time in the sandbox).
    const { spec } = await getServiceSpec(owner, service.id);
    await saveServiceSpec(owner, { serviceId: service.id, baseVersion: 1, spec: { ...spec, rollout: { ...spec.rollout, minReadySeconds: 20 } } });
    const holder = await createRelease(owner, { serviceId: service.id, environment: "dev", tag: "v1" });
    const { id } = await startRun(owner, { projectSlug: "promo-busy", service: "api", branch: "develop", params: { "commit-message": "Fix" } });
    const run = await runReaches(id, ["succeeded", "failed", "cancelled"]);
    expect(run.status, run.reason).toBe("succeeded");
    // A promotion is created pending before it is weighed: wait for the reason the weighing gives it.
    const [pending] = await promotionsSettle(id, { count: 1, status: "pending", withReason: true, timeoutMs: 15_000 });
    expect(pending!.reason).toBe(`Waiting for release #${holder.number} of api to dev to finish`);
    expect((await db().release.findUniqueOrThrow({ where: { id: holder.id } })).status).not.toBe("succeeded");

    const [released] = await promotionsSettle(id, { count: 1, status: "released", timeoutMs: 90_000 });
    expect((await db().release.findUniqueOrThrow({ where: { id: holder.id } })).status).toBe("succeeded");
    expect(await db().release.findUniqueOrThrow({ where: { id: released!.releaseId! } })).toMatchObject({ ciRunId: id, number: holder.number + 1 });
  }, 120_000);
});
