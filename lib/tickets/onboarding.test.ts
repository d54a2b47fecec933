/**
 * Onboarding end to end below the browser: a developer's request, the checks
 * on bad input, an ops approval that provisions every cluster and publishes
 * the generated repository, and a rejection that creates nothing.
 */
import { forgetClusterReads } from "@/lib/kube/fanout";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { addService, setEnvironment, setMember } from "@/lib/catalog/project-parts";
import { updateProject } from "@/lib/catalog/projects";
import { portalRepositoryPath } from "@/lib/git/store";
import { checkOnboardingEnvironments, previewOnboarding, submitOnboarding } from "./onboarding";
import { decideTicket } from "./engine";
import { getTicket } from "./query";
import type { TOnboardingRequest } from "./schemas";
import { ctxFor, makeTeam, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";

const env = sandboxForThisFile();
workerForThisFile();

process.env.WHARF_REPO_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "wharf-repos-"));

let dev: Ctx;
let ops: Ctx;
let admin: Ctx;
let teamId: string;
let east: string;
let west: string;

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  ops = await ctxFor(await makeUser("ops"));
  dev = await ctxFor(await makeUser("developer", "Dana Dev"));
  teamId = (await makeTeam()).id;
  const ids: string[] = [];
  for (const c of env.sandbox.clusters)
    ids.push((await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id);
  [east, west] = ids as [string, string];
});

function request(slug: string, over: Partial<TOnboardingRequest> = {}): TOnboardingRequest {
  return {
    templateId: "node-ts",
    params: {},
    project: { slug, name: `Project ${slug}`, description: "made by a test", teamId, ownerId: dev.actor.id, tier: "standard" },
    environments: [
      { kind: "dev", clusterIds: [east], preset: "small", gpu: 0 },
      { kind: "prod", clusterIds: [east, west], preset: "medium", gpu: 0 },
    ],
    members: [],
    ...over,
  };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

describe("onboarding a project", () => {
  it("previews exactly what will be created on which cluster", async () => {
    const preview = await previewOnboarding(dev, request("preview-me"));
    expect(preview.requiresAdmin).toBe(false);
    expect(preview.warnings).toEqual([]);
    const byCluster = (name: string | null) => preview.steps.filter((s) => s.clusterName === name).map((s) => s.kind);
    expect(byCluster(null)).toEqual(["repository", "config-seed", "ci-onboard", "monitoring-dashboard", "monitoring-rules-file"]); // ci-onboard applies on the build cluster when it runs
    expect(byCluster("sandbox-east")).toHaveLength(14); // dev and prod, 7 kinds each
    expect(byCluster("sandbox-west")).toEqual([
      "namespace",
      "resource-quota",
      "limit-range",
      "network-policy",
      "ci-service-account",
      "member-role-bindings",
      "monitoring-rules-apply",
    ]);
    expect(preview.files).toEqual(expect.arrayContaining(["Dockerfile", "wharf.yaml", "Jenkinsfile", ".tekton/pipeline.yaml"]));
    expect(await db().project.count({ where: { slug: "preview-me" } })).toBe(0);
  });

  it("is approved by ops, provisions every cluster, becomes active and publishes a repository that git can clone", { timeout: 60_000 }, async () => {
    const { number } = await submitOnboarding(dev, request("onboarded"));
    const requested = await db().project.findUniqueOrThrow({ where: { slug: "onboarded" }, include: { services: true } });
    expect(requested.lifecycle).toBe("requested");
    expect(requested.services.map((s) => s.slug)).toEqual(expect.arrayContaining(["api"]));
    const ticket = await getTicket(ops, number);
    expect(ticket.rights.decide).toBe(true);
    expect(ticket.plan?.length).toBe(26); // 21 + monitoring's dashboard, rule file and a PrometheusRule per cluster and environment
    // The requester may not approve their own request.
    expect((await failure(decideTicket(dev, { ticketId: ticket.id, decision: "approve" })))?.code).toBe("FORBIDDEN");

    await decideTicket(ops, { ticketId: ticket.id, decision: "approve", comment: "ok" });
    const done = await until(
      async () => {
        const t = await getTicket(dev, number);
        return ["done", "failed"].includes(t.status) ? t : null;
      },
      40_000,
      "the onboarding to finish",
    ).catch(async (e) => {
      const t = await getTicket(dev, number);
      console.log(
        t.status,
        t.run?.steps.map((s) => `${s.kind}@${s.cluster?.name}:${s.status}:${s.lastError}`),
      );
      throw e;
    });
    expect(done.status).toBe("done");
    expect(done.run?.steps.every((s) => s.status === "succeeded")).toBe(true);
    const project = await db().project.findUniqueOrThrow({ where: { slug: "onboarded" } });
    expect(project.lifecycle).toBe("active");

    for (const [cluster, ns] of [
      ["sandbox-east", "onboarded-dev"],
      ["sandbox-east", "onboarded-prod"],
      ["sandbox-west", "onboarded-prod"],
    ] as const) {
      const kc = new KubeConfig();
      kc.loadFromString(env.sandbox.cluster(cluster).kubeconfig);
      await expect(kc.makeApiClient(CoreV1Api).readNamespace({ name: ns })).resolves.toBeTruthy();
    }

    const target = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-clone-"));
    const clone = spawnSync("git", ["clone", "--quiet", portalRepositoryPath("onboarded"), path.join(target, "onboarded")], { encoding: "utf8" });
    expect(clone.status, clone.stderr).toBe(0);
    expect(fs.existsSync(path.join(target, "onboarded", "wharf.yaml"))).toBe(true);
    expect(fs.readFileSync(path.join(target, "onboarded", "wharf.yaml"), "utf8")).toContain("onboarded");
    const notes = await db().notification.findMany({ where: { userId: dev.actor.id }, orderBy: { createdAt: "asc" } });
    expect(notes.map((n) => n.title)).toEqual(expect.arrayContaining([`#${number} is provisioned: the project is active`]));
  });

  it("creates nothing when the request is rejected, and frees the slug", async () => {
    const { number } = await submitOnboarding(dev, request("rejected-one"));
    const ticket = await getTicket(ops, number);
    await decideTicket(ops, { ticketId: ticket.id, decision: "reject", comment: "Use the existing shop" });
    expect(await db().project.count({ where: { slug: "rejected-one" } })).toBe(0);
    expect(await db().provisioningRun.count({ where: { ticketId: ticket.id } })).toBe(0);
    const kc = new KubeConfig();
    kc.loadFromString(env.sandbox.cluster("sandbox-east").kubeconfig);
    await expect(kc.makeApiClient(CoreV1Api).readNamespace({ name: "rejected-one-dev" })).rejects.toMatchObject({ code: 404 });
    expect(fs.existsSync(portalRepositoryPath("rejected-one"))).toBe(false);
    const again = await getTicket(dev, number);
    expect(again.status).toBe("rejected");
    expect((again.payload as { project: { slug: string } }).project.slug).toBe("rejected-one");
    // The slug can be requested again.
    await expect(previewOnboarding(dev, request("rejected-one"))).resolves.toBeTruthy();
  });

  it("says at the field when the name was taken while the wizard was open", async () => {
    await previewOnboarding(dev, request("raced"));
    await submitOnboarding(await ctxFor(await makeUser()), { ...request("raced"), project: { ...request("raced").project } });
    const e = await failure(submitOnboarding(dev, request("raced")));
    expect(e?.code).toBe("INVALID_INPUT");
    expect(e?.fieldErrors?.["project.slug"]?.[0]).toMatch(/already taken/);
  });

  it("refuses an environment with no cluster, quota beyond what a cluster has, and GPUs a template cannot use", async () => {
    const noCluster = await failure(submitOnboarding(dev, request("no-cluster", { environments: [{ kind: "dev", clusterIds: [], preset: "small", gpu: 0 }] })));
    expect(noCluster?.fieldErrors?.["environments.0.clusterIds"]?.[0]).toBe("Choose at least one cluster for this environment");

    const tooBig = await failure(submitOnboarding(dev, request("too-big", { environments: [{ kind: "prod", clusterIds: [east], preset: "large", gpu: 0 }] })));
    expect(tooBig?.fieldErrors?.["environments.0.quota"]).toEqual([
      "48 CPU is more than sandbox-east has (24)",
      "96 GiB of memory is more than sandbox-east has (93 GiB)",
    ]);

    const gpuOnNode = await failure(
      submitOnboarding(dev, request("gpu-node", { environments: [{ kind: "dev", clusterIds: [east], preset: "small", gpu: 1 }] })),
    );
    expect(gpuOnNode?.fieldErrors?.["environments.0.gpu"]?.[0]).toMatch(/has no GPU flavour/);

    const tooManyGpus = await failure(
      submitOnboarding(
        dev,
        request("gpu-many", {
          templateId: "python-fastapi",
          params: { gpu: true },
          environments: [{ kind: "dev", clusterIds: [east], preset: "small", gpu: 2 }],
        }),
      ),
    );
    expect(tooManyGpus?.fieldErrors?.["environments.0.quota"]).toEqual(["2 GPU is more than sandbox-east has (1)"]);
    expect(await db().project.count({ where: { slug: { in: ["no-cluster", "too-big", "gpu-node", "gpu-many"] } } })).toBe(0);
  });

  it("says each capacity problem once, naming every cluster short of it, at the quota of its environment", async () => {
    const both = request("too-big-twice", { environments: [{ kind: "prod", clusterIds: [east, west], preset: "large", gpu: 0 }] });
    const e = await failure(submitOnboarding(dev, both));
    expect(e?.userMessage).toBe("The quota is larger than a cluster has.");
    expect(e?.fieldErrors).toEqual({
      "environments.0.quota": [
        "48 CPU is more than sandbox-east and sandbox-west have (24 each)",
        "96 GiB of memory is more than sandbox-east and sandbox-west have (93 GiB each)",
      ],
    });
  });

  it("checks the environments step on its own, as the wizard's Next does: capacity, GPUs and custom values, answered at their fields", async () => {
    const step = (environments: TOnboardingRequest["environments"], templateId = "node-ts") => checkOnboardingEnvironments(dev, { templateId, environments });
    expect(await step([{ kind: "dev", clusterIds: [east], preset: "small", gpu: 0 }])).toEqual({
      fieldErrors: {},
      warnings: [],
      requiresAdmin: false,
      adminReasons: [],
    });
    const tooBig = await step([
      { kind: "dev", clusterIds: [east], preset: "small", gpu: 0 },
      { kind: "prod", clusterIds: [east, west], preset: "custom", cpu: 30, memoryGi: 40, pods: 400, gpu: 0 },
    ]);
    expect(tooBig.fieldErrors).toEqual({
      "environments.1.quota": [
        "30 CPU is more than sandbox-east and sandbox-west have (24 each)",
        "400 pods is more than sandbox-east and sandbox-west have (330 each)",
      ],
    });
    const gpu = await step([{ kind: "dev", clusterIds: [east], preset: "small", gpu: 1 }]);
    expect(gpu.fieldErrors).toEqual({ "environments.0.gpu": ["The Node.js (TypeScript) template has no GPU flavour"] });
    const missing = await failure(step([{ kind: "dev", clusterIds: [east], preset: "custom", gpu: 0 }]));
    expect(missing?.fieldErrors).toMatchObject({
      "environments.0.cpu": ["Enter the CPUs of the custom quota"],
      "environments.0.memoryGi": ["Enter the memory (GiB) of the custom quota"],
      "environments.0.pods": ["Enter the pods of the custom quota"],
    });
    // A custom quota within the presets and the limits is for ops; its values reach the ticket and the plan.
    const custom = { kind: "dev" as const, clusterIds: [east], preset: "custom" as const, cpu: 6, memoryGi: 12, pods: 30, gpu: 0 };
    expect((await step([custom])).requiresAdmin).toBe(false);
    const { number } = await submitOnboarding(dev, request("custom-onboard", { environments: [custom] }));
    const t = await getTicket(ops, number);
    expect(t.requiresAdmin).toBe(false);
    expect(JSON.stringify(t.view.fields)).toContain("dev on sandbox-east · custom: 6 CPU, 12 GiB, 30 pods");
    const quotaStep = t.plan?.find((s) => s.kind === "resource-quota");
    expect(JSON.stringify(quotaStep?.spec)).toContain('"requests.cpu":"6"');
  });

  it("needs an admin to approve GPUs, and warns when a cluster could not be checked", async () => {
    const { number } = await submitOnboarding(
      dev,
      request("gpu-ok", { templateId: "python-fastapi", params: { gpu: true }, environments: [{ kind: "dev", clusterIds: [east], preset: "small", gpu: 1 }] }),
    );
    const t = await getTicket(ops, number);
    expect(t.requiresAdmin).toBe(true);
    expect(t.rights.decide).toBe(false);
    expect(t.rights.decideReason).toMatch(/an admin approves it/);
    expect((await getTicket(admin, number)).rights.decide).toBe(true);

    // Capacity reads are reused for a few seconds: forget those earlier tests made of sandbox-west.
    const westCluster = env.sandbox.cluster("sandbox-west");
    forgetClusterReads(west);
    await westCluster.stop();
    try {
      const preview = await previewOnboarding(
        dev,
        request("west-down", {
          environments: [
            { kind: "dev", clusterIds: [west], preset: "small", gpu: 0 },
            { kind: "prod", clusterIds: [east, west], preset: "small", gpu: 0 },
          ],
        }),
      );
      // One warning per cluster, naming every environment it could not check.
      expect(preview.warnings).toEqual([
        expect.stringMatching(/^sandbox-west did not answer, so the dev and prod quotas could not be checked against it \(.+\)\.$/),
      ]);
    } finally {
      await westCluster.start();
    }
  });
});

describe("approval provisions exactly what the ticket shows", () => {
  it("freezes a requested project until its request is decided: no environment, service, member or setting changes", async () => {
    const { number, slug } = await submitOnboarding(
      dev,
      request("frozen-one", { environments: [{ kind: "dev", clusterIds: [east], preset: "small", gpu: 0 }] }),
    );
    const project = await db().project.findUniqueOrThrow({ where: { slug } });
    const frozen = new RegExp(`waiting for its onboarding request \\(ticket #${number}\\) to be decided`);
    // The requester (its owner, as of now) tries to widen it after filing; so does an admin.
    for (const who of [await ctxFor(dev.actor), admin]) {
      for (const attempt of [
        () => setEnvironment(who, { projectId: project.id, kind: "prod", clusterIds: [east, west] }),
        () => addService(who, { projectId: project.id, slug: "extra", name: "Extra", kind: "api", description: "" }),
        () => setMember(who, { projectId: project.id, userId: ops.actor.id, role: "maintainer" }),
        () =>
          updateProject(who, {
            id: project.id,
            version: project.version,
            name: "Renamed",
            description: "",
            teamId,
            ownerId: dev.actor.id,
            tier: "critical",
            language: "",
            framework: "",
            repositoryUrl: "",
            labels: {},
          }),
      ]) {
        const e = await failure(attempt());
        expect(e?.code).toBe("PRECONDITION_FAILED");
        expect(e?.userMessage).toMatch(frozen);
      }
    }
    expect(await db().environment.count({ where: { projectId: project.id } })).toBe(1);
    expect((await db().project.findUniqueOrThrow({ where: { id: project.id } })).tier).toBe("standard");
  });

  it("provisions the ticket's environments and clusters even when the catalog says more", async () => {
    const { number, slug } = await submitOnboarding(dev, request("as-asked", { environments: [{ kind: "dev", clusterIds: [east], preset: "small", gpu: 0 }] }));
    const project = await db().project.findUniqueOrThrow({ where: { slug } });
    // Whatever way a prod environment on both clusters got into the catalog after filing, the approver never saw it.
    await db().environment.create({ data: { projectId: project.id, kind: "prod", clusters: { create: [{ clusterId: east }, { clusterId: west }] } } });
    const before = await getTicket(ops, number);
    expect(new Set(before.plan!.map((s) => s.environment).filter(Boolean))).toEqual(new Set(["dev"]));
    const { id } = await db().ticket.findUniqueOrThrow({ where: { number } });
    await decideTicket(ops, { ticketId: id, decision: "approve" });
    const done = await until(async () => {
      const t = await getTicket(ops, number);
      return ["done", "failed"].includes(t.status) ? t : null;
    }, 60_000);
    expect(done.status).toBe("done");
    expect(new Set(done.run!.steps.map((s) => s.environment).filter(Boolean))).toEqual(new Set(["dev"]));
    expect(done.run!.steps.some((s) => s.title.includes("as-asked-prod"))).toBe(false);
  });
});
