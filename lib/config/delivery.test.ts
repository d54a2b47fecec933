/**
 * Kubernetes delivery of the config center on live (sandbox) clusters, with a
 * real worker: a service whose spec references config namespaces rolls out
 * with a hashed ConfigMap (and a Secret for secret items) on both clusters,
 * mounted as files or read as environment variables, each cluster with its
 * own overrides; a publish rolls out as a release (one cluster first when
 * the service deploys so) and a rollback brings the previous ConfigMap back;
 * hot reload rewrites the ConfigMap in place without touching the pod
 * template; a spec naming a namespace the service does not have is refused
 * at its path.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Deployment } from "@kubernetes/client-node";
import { db } from "@/lib/db/client";
import type { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { registerCluster } from "@/lib/catalog/clusters";
import { setEnvironment } from "@/lib/catalog/project-parts";
import { computePlan, createRun, getRun } from "@/lib/provisioning/engine";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { decideTicket } from "@/lib/tickets/engine";
import { createRelease, rollbackTo } from "@/lib/deploy/releases";
import { getServiceSpec, saveServiceSpec } from "@/lib/deploy/specs";
import { diffReleases } from "@/lib/deploy/observe";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { sandboxForThisFile } from "@/test/sandbox";
import { until, workerForThisFile } from "@/test/worker";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { editItems, editText } from "./edit";
import { publishDraft } from "./publish";
import { createNamespace, ensureApplication } from "./namespaces";
import { getWorkingCopy } from "./read";
import { getConfigReleaseDeliveries, getNamespaceDelivery } from "./delivery";

process.env.WHARF_CLUSTER_READ_CACHE_MS = "0";
/** Each test provisions a project and rolls releases out on two clusters. */
const SLOW = 90_000;
const env = sandboxForThisFile({ simulation: FAST_SIMULATION });
workerForThisFile();

const KUBECTL = process.env.WHARF_KUBECTL ?? "/usr/bin/kubectl";
let ids: Record<string, string>;
let ops: Ctx;

beforeAll(async () => {
  const admin = await ctxFor(await makeUser("admin"));
  ops = await ctxFor(await makeUser("ops"));
  ids = {};
  for (const c of env.sandbox.clusters)
    ids[c.name] = (await registerCluster(admin, { name: c.name, region: c.region, tier: "shared", kubeconfig: c.kubeconfig, displayName: "", context: "" })).id;
});

const refused = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

type Ref = { namespaceId: string; serviceId: string; environment: "dev" | "prod"; cluster: string };

/** The config release a direct publish made. */
function releaseIdOf(result: Awaited<ReturnType<typeof publishDraft>>): string {
  if (result.status !== "published") throw new Error(`not published: ${result.status}`);
  return result.releaseId;
}

/** Edits a working copy and publishes it, as a maintainer does from the Config tab. */
async function publish(ctx: Ctx, ref: Ref, change: { items?: { key: string; value: string; secret?: boolean }[]; text?: string }, comment = "change") {
  let wc = await getWorkingCopy(ctx, ref);
  if (change.items) await editItems(ctx, { ...ref, draftVersion: wc.draftVersion, changes: change.items.map((i) => ({ op: "set" as const, ...i })) });
  if (change.text !== undefined) await editText(ctx, { ...ref, draftVersion: wc.draftVersion, text: change.text });
  wc = await getWorkingCopy(ctx, ref);
  return publishDraft(ctx, { ...ref, draftVersion: wc.draftVersion, baseReleaseId: wc.latestRelease?.id ?? null, comment });
}

/**
 * A provisioned project (dev on both clusters, prod on sandbox-east) whose api service has `application`
 * (greeting, a secret password, a sandbox-east override of greeting) and `app.yaml`, published in dev, and a spec
 * that references them.
 */
async function fixture(slug: string, spec: Record<string, unknown>) {
  const user = await makeUser("developer", `owner ${slug}`);
  const p = await makeProject({ owner: user, slug });
  const owner = await ctxFor(user);
  const admin = await ctxFor(await makeUser("admin"));
  await setEnvironment(admin, { projectId: p.id, kind: "dev", clusterIds: [ids["sandbox-east"]!, ids["sandbox-west"]!] });
  await setEnvironment(admin, { projectId: p.id, kind: "prod", clusterIds: [ids["sandbox-east"]!] });
  const drafts = computePlan(await loadPlanInput(p.id, "onboarding"));
  const { runId } = await db().$transaction((tx) => createRun(tx, { kind: "onboarding", projectId: p.id, drafts }));
  await until(async () => (await getRun(runId))?.status === "succeeded", 30_000, "provisioning");
  const service = await db().service.create({ data: { projectId: p.id, slug: "api", name: "API", kind: "api" } });
  const app = await ensureApplication(service.id);
  const file = await createNamespace(owner, { serviceId: service.id, name: "app.yaml", comment: "" });
  const ref = (namespaceId: string, cluster = "default", environment: "dev" | "prod" = "dev"): Ref => ({
    namespaceId,
    serviceId: service.id,
    environment,
    cluster,
  });
  for (const environment of ["dev", "prod"] as const) {
    // An admin publishes to production directly (the owner would open a ticket).
    const by = environment === "prod" ? admin : owner;
    await publish(by, ref(app.id, "default", environment), {
      items: [
        { key: "greeting", value: "Hello" },
        { key: "db.password", value: "s3cret-pw", secret: true },
      ],
    });
    await publish(by, ref(file.id, "default", environment), { text: "feature:\n  beta: false\n" });
  }
  // A cluster's values replace default's whole (Apollo's cluster fallback), so the override carries every key.
  await publish(owner, ref(app.id, "sandbox-east"), {
    items: [
      { key: "greeting", value: "Hello from the east" },
      { key: "db.password", value: "s3cret-pw", secret: true },
    ],
  });
  const current = await getServiceSpec(owner, service.id);
  await saveServiceSpec(owner, {
    serviceId: service.id,
    baseVersion: 0,
    spec: {
      ...current.spec,
      image: { repository: `registry.example.com/${slug}/api` },
      replicas: 2,
      rollout: { progressDeadlineSeconds: 30, minReadySeconds: 0, autoRollback: false },
      ...spec,
    },
  });
  return { project: p, service, owner, app, file, ref };
}

async function finished(releaseId: string, timeoutMs = 40_000) {
  return until(
    async () => {
      const r = await db().release.findUniqueOrThrow({ where: { id: releaseId } });
      return ["succeeded", "failed", "rolled_back", "rejected"].includes(r.status) ? r : null;
    },
    timeoutMs,
    `release ${releaseId}`,
  );
}

function api<T extends AppsV1Api | CoreV1Api>(cluster: string, kind: new (...args: never[]) => T): T {
  const kc = new KubeConfig();
  kc.loadFromString(env.sandbox.cluster(cluster).kubeconfig);
  return kc.makeApiClient(kind as never) as T;
}
const deploymentOn = (cluster: string, namespace: string) => api(cluster, AppsV1Api).readNamespacedDeployment({ name: "api", namespace });
const configMapOn = (cluster: string, namespace: string, name: string) => api(cluster, CoreV1Api).readNamespacedConfigMap({ name, namespace });
const secretOn = (cluster: string, namespace: string, name: string) => api(cluster, CoreV1Api).readNamespacedSecret({ name, namespace });

/** The ConfigMap and Secret the pod template reads (its projected volume's and env's sources). */
function sourcesOf(d: V1Deployment) {
  const pod = d.spec!.template.spec!;
  const sources = pod.volumes?.flatMap((v) => v.projected?.sources ?? []) ?? [];
  const env = pod.containers[0]!.env ?? [];
  return {
    configMap: sources.find((s) => s.configMap)?.configMap?.name ?? env.find((e) => e.valueFrom?.configMapKeyRef)?.valueFrom?.configMapKeyRef?.name,
    secret: sources.find((s) => s.secret)?.secret?.name ?? env.find((e) => e.valueFrom?.secretKeyRef)?.valueFrom?.secretKeyRef?.name,
    mounts: pod.containers[0]!.volumeMounts ?? [],
    env,
  };
}

/** kubectl, as a person checks a cluster: `kubectl get configmap NAME -o json` with that cluster's kubeconfig. */
async function kubectlGet(cluster: string, namespace: string, kind: string, name: string) {
  const file = path.join(env.sandbox.dir, `kubeconfig-${cluster}`);
  writeFileSync(file, env.sandbox.cluster(cluster).kubeconfig);
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      KUBECTL,
      ["get", kind, name, "-n", namespace, "-o", "json"],
      { env: { ...process.env, KUBECONFIG: file, HOME: env.sandbox.dir }, timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`kubectl failed: ${stderr || err.message}`)) : resolve(stdout)),
    ),
  );
  return JSON.parse(out) as { metadata: { name: string }; data: Record<string, string> };
}

describe("Kubernetes delivery of config", () => {
  it(
    "rolls a service out with its ConfigMap on both clusters, files mounted, secrets in a Secret only, each cluster with its overrides",
    async () => {
      const f = await fixture("cfgk-basic", {
        config: [
          { name: "application", env: true },
          { name: "app.yaml", mountPath: "/etc/app" },
        ],
      });
      const r = await createRelease(f.owner, { serviceId: f.service.id, environment: "dev", tag: "v1" });
      expect((await finished(r.id)).status).toBe("succeeded");
      const ns = "cfgk-basic-dev";
      const greeting: Record<string, string> = {};
      for (const cluster of ["sandbox-east", "sandbox-west"]) {
        const d = await deploymentOn(cluster, ns);
        const s = sourcesOf(d);
        expect(s.configMap).toMatch(/^api-config-[0-9a-f]{10}$/);
        expect(s.secret).toMatch(/^api-config-[0-9a-f]{10}$/);
        expect(s.mounts).toEqual([expect.objectContaining({ mountPath: "/etc/app", readOnly: true })]);
        expect(s.env.map((e) => e.name)).toEqual(expect.arrayContaining(["GREETING", "DB_PASSWORD"]));
        const cm = await configMapOn(cluster, ns, s.configMap!);
        expect(cm.data?.["app.yaml"]).toBe("feature:\n  beta: false\n");
        greeting[cluster] = cm.data!["env.GREETING"]!;
        // The secret item is in the Secret, never in the ConfigMap.
        expect(JSON.stringify(cm.data)).not.toContain("s3cret-pw");
        const secret = await secretOn(cluster, ns, s.secret!);
        expect(Buffer.from(secret.data!["env.DB_PASSWORD"]!, "base64").toString()).toBe("s3cret-pw");
        // Read back by the real kubectl too.
        const viaKubectl = await kubectlGet(cluster, ns, "configmap", s.configMap!);
        expect(viaKubectl.data["app.yaml"]).toBe("feature:\n  beta: false\n");
      }
      // sandbox-east's override; sandbox-west falls back to default.
      expect(greeting).toEqual({ "sandbox-east": "Hello from the east", "sandbox-west": "Hello" });
      // Never in clear in Wharf's records: the release, its steps, the audit.
      const release = await db().release.findUniqueOrThrow({ where: { id: r.id } });
      expect(JSON.stringify(release)).not.toContain("s3cret-pw");
      const steps = await db().provisioningStep.findMany({ where: { runId: release.runId! } });
      expect(JSON.stringify(steps)).not.toContain("s3cret-pw");
      const audit = await db().auditEvent.findMany({ where: { projectId: f.project.id } });
      expect(JSON.stringify(audit)).not.toContain("s3cret-pw");
      // The release diff shows the Secret masked.
      const shown = await diffReleases(f.owner, r.id, r.id);
      expect(shown.manifests.find((m) => m.cluster === "sandbox-west")!.a).toMatch(/env\.DB_PASSWORD: "?••••••"?/);
      // The release records which config releases it carries, per cluster.
      expect(release.config).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            clusterName: "sandbox-east",
            namespaces: expect.arrayContaining([
              expect.objectContaining({ name: "application", releases: [expect.objectContaining({ number: 1, cluster: "sandbox-east" })] }),
            ]),
          }),
        ]),
      );
    },
    SLOW,
  );

  it(
    "rolls a publish out as a release, one cluster first, and a rollback brings the previous ConfigMap back",
    async () => {
      const f = await fixture("cfgk-publish", { config: [{ name: "app.yaml", mountPath: "/etc/app" }] });
      const ns = "cfgk-publish-dev";
      const v1 = await createRelease(f.owner, { serviceId: f.service.id, environment: "dev", tag: "v1", strategy: "one_cluster_first" });
      expect((await finished(v1.id)).status).toBe("succeeded");
      const before = sourcesOf(await deploymentOn("sandbox-west", ns)).configMap!;
      const podsBefore = (await api("sandbox-west", CoreV1Api).listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata!.name);

      const published = await publish(f.owner, f.ref(f.file.id), { text: "feature:\n  beta: true\n" }, "turn beta on");
      const release = await until(
        () => db().release.findFirst({ where: { serviceId: f.service.id, environment: "dev", configReleaseId: releaseIdOf(published) } }),
        30_000,
        "the release of the publish",
      );
      expect(release).toMatchObject({ number: 2, tag: "v1", strategy: "one_cluster_first", createdById: f.owner.actor.id });
      expect((await finished(release.id)).status).toBe("succeeded");
      const after = sourcesOf(await deploymentOn("sandbox-west", ns)).configMap!;
      expect(after).not.toBe(before);
      expect((await configMapOn("sandbox-west", ns, after)).data?.["app.yaml"]).toBe("feature:\n  beta: true\n");
      // The pods rolled: none of the old ones is left once the new ReplicaSet is available.
      const podsAfter = (await api("sandbox-west", CoreV1Api).listNamespacedPod({ namespace: ns })).items.filter((p) => !p.metadata?.deletionTimestamp);
      expect(podsAfter.map((p) => p.metadata!.name).filter((n) => podsBefore.includes(n))).toEqual([]);
      // One cluster first, as the service deploys: west started only after east's rollout finished.
      const run = await getRun(release.runId!);
      const eastRollout = run!.steps.find((s) => s.kind === "release-rollout" && s.cluster?.name === "sandbox-east")!;
      const westApply = run!.steps.find((s) => s.kind === "release-apply" && s.cluster?.name === "sandbox-west")!;
      expect(westApply.startedAt!.getTime()).toBeGreaterThanOrEqual(eastRollout.finishedAt!.getTime());
      // The release diff says which config release each carries.
      const diff = await diffReleases(f.owner, v1.id, release.id);
      expect(diff.config).toEqual({
        a: ["sandbox-east: app.yaml #1", "sandbox-west: app.yaml #1"],
        b: ["sandbox-east: app.yaml #2", "sandbox-west: app.yaml #2"],
      });
      // What the page of the publish shows.
      expect((await getConfigReleaseDeliveries(f.owner, releaseIdOf(published))).releases).toEqual([
        expect.objectContaining({ id: release.id, number: 2, environment: "dev" }),
      ]);
      expect(await getNamespaceDelivery(f.owner, f.file.id)).toEqual([
        expect.objectContaining({ service: "cfgk-publish/api", environment: "dev", mode: "rollout" }),
      ]);

      const back = await rollbackTo(f.owner, { releaseId: v1.id });
      expect((await finished(back.id)).status).toBe("succeeded");
      for (const cluster of ["sandbox-east", "sandbox-west"]) {
        const restored = sourcesOf(await deploymentOn(cluster, ns)).configMap!;
        expect(restored).toBe(before);
        expect((await configMapOn(cluster, ns, restored)).data?.["app.yaml"]).toBe("feature:\n  beta: false\n");
      }
    },
    SLOW,
  );

  it(
    "rolls a production publish out once ops approve its ticket, without a second ticket",
    async () => {
      const f = await fixture("cfgk-prod", { config: [{ name: "app.yaml", mountPath: "/etc/app" }] });
      const first = await createRelease(f.owner, { serviceId: f.service.id, environment: "prod", tag: "v1" });
      await decideTicket(ops, { ticketId: (await db().ticket.findFirstOrThrow({ where: { number: first.ticketNumber! } })).id, decision: "approve" });
      expect((await finished(first.id)).status).toBe("succeeded");
      const asked = await publish(f.owner, f.ref(f.file.id, "default", "prod"), { text: "feature:\n  beta: true\n" });
      expect(asked.status).toBe("pending_approval");
      expect(await db().release.count({ where: { serviceId: f.service.id, environment: "prod" } })).toBe(1);
      await decideTicket(ops, { ticketId: (await db().ticket.findFirstOrThrow({ where: { number: asked.ticketNumber! } })).id, decision: "approve" });
      const release = await until(
        () => db().release.findFirst({ where: { serviceId: f.service.id, environment: "prod", configReleaseId: { not: null } } }),
        30_000,
        "the release of the approved publish",
      );
      expect(release.ticketId).toBeNull();
      expect((await finished(release.id)).status).toBe("succeeded");
      const cm = sourcesOf(await deploymentOn("sandbox-east", "cfgk-prod-prod")).configMap!;
      expect((await configMapOn("sandbox-east", "cfgk-prod-prod", cm)).data?.["app.yaml"]).toBe("feature:\n  beta: true\n");
    },
    SLOW,
  );

  it(
    "hot reload rewrites the ConfigMap in place on every cluster without changing the Deployment's pod template",
    async () => {
      const f = await fixture("cfgk-hot", { config: [{ name: "app.yaml", mountPath: "/etc/app" }], configReload: "hot" });
      const ns = "cfgk-hot-dev";
      const v1 = await createRelease(f.owner, { serviceId: f.service.id, environment: "dev", tag: "v1" });
      expect((await finished(v1.id)).status).toBe("succeeded");
      const before = await deploymentOn("sandbox-east", ns);
      expect(sourcesOf(before).configMap).toBe("api-config");

      const published = await publish(f.owner, f.ref(f.file.id), { text: "feature:\n  beta: true\n" });
      await until(
        async () => {
          const steps = await db().provisioningStep.findMany({
            where: { kind: "config-hot-apply", spec: { path: ["configReleaseId"], equals: releaseIdOf(published) } },
          });
          return steps.length === 2 && steps.every((s) => s.status === "succeeded");
        },
        30_000,
        "the in-place update on both clusters",
      );
      for (const cluster of ["sandbox-east", "sandbox-west"])
        expect((await configMapOn(cluster, ns, "api-config")).data?.["app.yaml"]).toBe("feature:\n  beta: true\n");
      const after = await deploymentOn("sandbox-east", ns);
      expect(after.spec!.template).toEqual(before.spec!.template);
      expect(after.metadata!.generation).toBe(before.metadata!.generation);
      // No release: the pods keep running and read the new files.
      expect(await db().release.count({ where: { serviceId: f.service.id } })).toBe(1);
      expect(await db().auditEvent.count({ where: { action: "config.deliver.hot", projectId: f.project.id } })).toBe(1);
    },
    SLOW,
  );

  it(
    "refuses a spec whose config names a namespace the service does not have, at its path",
    async () => {
      const user = await makeUser("developer");
      const p = await makeProject({ owner: user, slug: "cfgk-refuse", lifecycle: "active" });
      const owner = await ctxFor(user);
      const service = await db().service.create({ data: { projectId: p.id, slug: "api", name: "API", kind: "api" } });
      await createNamespace(owner, { serviceId: service.id, name: "app.yaml", comment: "" });
      const { spec } = await getServiceSpec(owner, service.id);
      const e = await refused(
        saveServiceSpec(owner, {
          serviceId: service.id,
          baseVersion: 0,
          spec: { ...spec, config: [{ name: "application" }, { name: "nope.yaml", mountPath: "/etc/x" }, { name: "app.yaml", env: true }] },
        }),
      );
      expect(e?.code).toBe("INVALID_INPUT");
      expect(e?.fieldErrors?.["spec.config.1.name"]?.[0]).toMatch(/"nope.yaml" is not a config namespace of this service: use one of app.yaml, application/);
      expect(e?.fieldErrors?.["spec.config.2.env"]?.[0]).toMatch(/only properties namespaces become environment variables/);
      expect(e?.fieldErrors?.["spec.config.0.name"]).toBeUndefined();
      const hotEnv = await refused(
        saveServiceSpec(owner, { serviceId: service.id, baseVersion: 0, spec: { ...spec, configReload: "hot", config: [{ name: "application", env: true }] } }),
      );
      expect(hotEnv?.fieldErrors?.["spec.config.0.env"]?.[0]).toMatch(/environment variables only change when pods restart/);
    },
    SLOW,
  );
});
