/**
 * Deployment, ReplicaSet and StatefulSet controllers through client-node:
 * step-by-step rolling updates, undo semantics, pause/resume, Recreate,
 * progress deadline, minReadySeconds, history cleanup, scaling and pod
 * replacement.
 */
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1DeploymentStrategy,
  type V1PodTemplateSpec,
  type V1ReplicaSet,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, FAST_SIMULATION, kubeConfigFor, sleep, startTestSandbox, type TestSandbox } from "./testing/helpers.js";

let sb: TestSandbox;
let apps: AppsV1Api;
let core: CoreV1Api;
const NS = "wl";

beforeAll(async () => {
  sb = await startTestSandbox({ clusters: [{ name: "wl" }], simulation: FAST_SIMULATION });
  const kc = kubeConfigFor(sb.clusters[0]);
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});
afterAll(async () => sb?.dispose());

function deployment(
  name: string,
  image: string,
  extra: { replicas?: number; annotations?: Record<string, string>; strategy?: V1DeploymentStrategy; spec?: Record<string, unknown> } = {},
): V1Deployment {
  return {
    metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      replicas: extra.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      ...(extra.strategy ? { strategy: extra.strategy } : {}),
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } },
      ...extra.spec,
    },
  };
}

const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);

async function rolledOut(name: string, replicas: number, timeoutMs = 15_000): Promise<V1Deployment> {
  return eventually(
    async () => {
      const d = await apps.readNamespacedDeployment({ name, namespace: NS });
      const s = d.status;
      const done =
        (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
        s?.updatedReplicas === replicas &&
        s.replicas === replicas &&
        s.availableReplicas === replicas &&
        s.conditions?.some((c) => c.type === "Progressing" && c.reason === "NewReplicaSetAvailable");
      return done ? d : undefined;
    },
    timeoutMs,
    `deployment ${name} rolled out`,
  );
}

async function replicaSets(app: string): Promise<V1ReplicaSet[]> {
  return (await apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: `app=${app}` })).items;
}
const revision = (rs: V1ReplicaSet) => rs.metadata?.annotations?.["deployment.kubernetes.io/revision"];

async function events(name: string, reason?: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${name}` });
  return list.items
    .filter((e) => !reason || e.reason === reason)
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))
    .map((e) => e.message ?? "");
}

describe("Deployments", () => {
  it("creates a ReplicaSet per template with hash, owner, revision and replica annotations", async () => {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: deployment("first", "nginx:1.27", { replicas: 3, annotations: { "kubernetes.io/change-cause": "initial", team: "a" } }),
    });
    const d = await rolledOut("first", 3);
    expect(d.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    expect(d.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      "Available=True/MinimumReplicasAvailable",
      "Progressing=True/NewReplicaSetAvailable",
    ]);
    expect(d.status?.conditions?.find((c) => c.type === "Progressing")?.message).toMatch(/^ReplicaSet "first-[a-z0-9]+" has successfully progressed\.$/);
    const [rs] = await replicaSets("first");
    const hash = rs.metadata?.labels?.["pod-template-hash"] ?? "";
    expect(rs.metadata?.name).toBe(`first-${hash}`);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(rs.spec?.selector?.matchLabels).toEqual({ app: "first", "pod-template-hash": hash });
    expect(rs.spec?.template?.metadata?.labels).toEqual({ app: "first", "pod-template-hash": hash });
    expect(rs.spec?.replicas).toBe(3);
    expect(rs.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Deployment", name: "first", uid: d.metadata?.uid, controller: true, blockOwnerDeletion: true }),
    ]);
    expect(rs.metadata?.annotations).toMatchObject({
      "deployment.kubernetes.io/revision": "1",
      "deployment.kubernetes.io/desired-replicas": "3",
      "deployment.kubernetes.io/max-replicas": "4",
      "kubernetes.io/change-cause": "initial",
      team: "a",
    });
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: "app=first" })).items;
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata?.name).toMatch(new RegExp(`^first-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", name: rs.metadata?.name, controller: true });
      expect(p.status?.phase).toBe("Running");
    }
    expect(await events("first", "ScalingReplicaSet")).toEqual([`Scaled up replica set first-${hash} from 0 to 3`]);
    expect(await events(rs.metadata?.name ?? "", "SuccessfulCreate")).toHaveLength(3);
  });

  it("rolls a new template out step by step within maxSurge and maxUnavailable", async () => {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: deployment("roll", "nginx:1.27", { replicas: 4, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }),
    });
    await rolledOut("roll", 4);
    const [oldRS] = await replicaSets("roll");
    // observe every ReplicaSet and Deployment change while the rollout runs
    const sizes = new Map<string, number>();
    let maxTotal = 0;
    let minAvailable = Infinity;
    const kc = kubeConfigFor(sb.clusters[0]);
    const w = new Watch(kc);
    const rsWatch = await w.watch(
      `/apis/apps/v1/namespaces/${NS}/replicasets`,
      { labelSelector: "app=roll" },
      (_t, rs: V1ReplicaSet) => {
        sizes.set(rs.metadata?.name ?? "", rs.spec?.replicas ?? 0);
        maxTotal = Math.max(
          maxTotal,
          [...sizes.values()].reduce((a, b) => a + b, 0),
        );
      },
      () => undefined,
    );
    let rolling = false;
    const dWatch = await w.watch(
      `/apis/apps/v1/namespaces/${NS}/deployments`,
      { fieldSelector: "metadata.name=roll" },
      (_t, d: V1Deployment) => {
        if (rolling) minAvailable = Math.min(minAvailable, d.status?.availableReplicas ?? 0);
      },
      () => undefined,
    );
    await sleep(100);
    rolling = true;
    await apps.patchNamespacedDeployment(
      { name: "roll", namespace: NS, body: { spec: { template: { spec: { containers: [{ name: "app", image: "nginx:1.28" }] } } } } },
      strategic,
    );
    const d = await rolledOut("roll", 4);
    rsWatch.abort();
    dWatch.abort();
    expect(d.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    expect(maxTotal).toBe(5); // replicas + maxSurge, never more
    expect(minAvailable).toBeGreaterThanOrEqual(3); // replicas - maxUnavailable, never less
    const rss = await replicaSets("roll");
    const newRS = rss.find((r) => r.metadata?.name !== oldRS.metadata?.name);
    expect(rss.find((r) => r.metadata?.name === oldRS.metadata?.name)?.spec?.replicas).toBe(0);
    expect(newRS?.spec?.replicas).toBe(4);
    expect(revision(newRS as V1ReplicaSet)).toBe("2");
    const scaling = await events("roll", "ScalingReplicaSet");
    expect(scaling.slice(1, 3)).toEqual([
      `Scaled up replica set ${newRS?.metadata?.name ?? ""} from 0 to 1`,
      `Scaled down replica set ${oldRS.metadata?.name ?? ""} from 4 to 3`,
    ]);
    expect(scaling.at(-1)).toMatch(/^Scaled (up replica set roll-\S+ from \d to 4|down replica set roll-\S+ from \d to 0)$/);
  });

  it("rolls back like `kubectl rollout undo`: the old ReplicaSet is reused and renumbered", async () => {
    const name = "undo";
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment(name, "nginx:1.25", { annotations: { "kubernetes.io/change-cause": "v1" } }) });
    await rolledOut(name, 2);
    for (const [v, image] of [
      ["v2", "nginx:1.26"],
      ["v3", "nginx:1.27"],
    ] as const) {
      await apps.patchNamespacedDeployment(
        {
          name,
          namespace: NS,
          body: { metadata: { annotations: { "kubernetes.io/change-cause": v } }, spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
        },
        strategic,
      );
      await rolledOut(name, 2);
    }
    const before = await replicaSets(name);
    expect(before.map(revision).sort()).toEqual(["1", "2", "3"]);
    expect(before.find((r) => revision(r) === "2")?.metadata?.annotations?.["kubernetes.io/change-cause"]).toBe("v2");
    // what kubectl sends for --to-revision=1: the RS template without the hash label, as a JSON patch
    const rev1 = before.find((r) => revision(r) === "1") as V1ReplicaSet;
    // The template as kubectl sends it on the wire: creationTimestamp is null there, which V1ObjectMeta cannot say.
    const tpl = structuredClone(rev1.spec!.template!) as Omit<V1PodTemplateSpec, "metadata"> & {
      metadata: { labels: Record<string, string>; creationTimestamp?: null };
    };
    delete tpl.metadata.labels["pod-template-hash"];
    tpl.metadata.creationTimestamp = null;
    const annotations = Object.fromEntries(Object.entries(rev1.metadata?.annotations ?? {}).filter(([k]) => !k.startsWith("deployment.kubernetes.io/")));
    await apps.patchNamespacedDeployment(
      {
        name,
        namespace: NS,
        body: [
          { op: "replace", path: "/spec/template", value: tpl },
          { op: "replace", path: "/metadata/annotations", value: annotations },
        ],
      },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    const d = await rolledOut(name, 2);
    const after = await replicaSets(name);
    expect(after).toHaveLength(3);
    const reused = after.find((r) => r.metadata?.name === rev1.metadata?.name);
    expect(revision(reused as V1ReplicaSet)).toBe("4");
    expect(reused?.metadata?.annotations?.["deployment.kubernetes.io/revision-history"]).toBe("1");
    expect(reused?.spec?.replicas).toBe(2);
    expect(after.map(revision).sort()).toEqual(["2", "3", "4"]);
    expect(d.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("4");
    expect(d.metadata?.annotations?.["kubernetes.io/change-cause"]).toBe("v1");
  });

  it("does not roll out while paused and resumes with the Progressing reasons upstream uses", async () => {
    const name = "paused";
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment(name, "nginx:1.27") });
    await rolledOut(name, 2);
    await apps.patchNamespacedDeployment({ name, namespace: NS, body: { spec: { paused: true } } }, merge);
    await eventually(
      async () =>
        (await apps.readNamespacedDeployment({ name, namespace: NS })).status?.conditions?.some(
          (c) => c.type === "Progressing" && c.status === "Unknown" && c.reason === "DeploymentPaused" && c.message === "Deployment is paused",
        ),
      5000,
      "paused condition",
    );
    await apps.patchNamespacedDeployment(
      { name, namespace: NS, body: { spec: { template: { spec: { containers: [{ name: "app", image: "nginx:1.28" }] } } } } },
      strategic,
    );
    await eventually(
      async () => {
        const d = await apps.readNamespacedDeployment({ name, namespace: NS });
        return (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
      },
      5000,
      "generation observed",
    );
    await sleep(300);
    expect(await replicaSets(name)).toHaveLength(1);
    await apps.patchNamespacedDeployment({ name, namespace: NS, body: { spec: { paused: false } } }, merge);
    await rolledOut(name, 2);
    expect(await replicaSets(name)).toHaveLength(2);
  });

  it("Recreate removes every old pod before creating new ones", async () => {
    const name = "recreate";
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment(name, "nginx:1.27", { replicas: 3, strategy: { type: "Recreate" } }) });
    await rolledOut(name, 3);
    const [oldRS] = await replicaSets(name);
    const oldHash = oldRS.metadata?.labels?.["pod-template-hash"];
    const alive = new Set<string>();
    let overlap = false;
    const w = new Watch(kubeConfigFor(sb.clusters[0]));
    const ac = await w.watch(
      `/api/v1/namespaces/${NS}/pods`,
      { labelSelector: `app=${name}` },
      (type, p: { metadata: { name: string; labels: Record<string, string> } }) => {
        if (type === "DELETED") alive.delete(p.metadata.name);
        else alive.add(p.metadata.name);
        if (type === "ADDED" && p.metadata.labels["pod-template-hash"] !== oldHash && [...alive].some((n) => n.startsWith(`${name}-${oldHash ?? ""}-`)))
          overlap = true;
      },
      () => undefined,
    );
    await apps.patchNamespacedDeployment(
      { name, namespace: NS, body: { spec: { template: { spec: { containers: [{ name: "app", image: "nginx:1.28" }] } } } } },
      strategic,
    );
    await rolledOut(name, 3);
    ac.abort();
    expect(overlap).toBe(false);
  });

  it("reports ProgressDeadlineExceeded for an image that never gets ready", async () => {
    const name = "stuck";
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment(name, "ghcr.io/acme/api:unready", { spec: { progressDeadlineSeconds: 1 } }) });
    const d = await eventually(
      async () => {
        const x = await apps.readNamespacedDeployment({ name, namespace: NS });
        return x.status?.conditions?.some((c) => c.type === "Progressing" && c.status === "False") ? x : undefined;
      },
      8000,
      "progress deadline",
    );
    const progressing = d.status?.conditions?.find((c) => c.type === "Progressing");
    expect(progressing?.reason).toBe("ProgressDeadlineExceeded");
    expect(progressing?.message).toMatch(/^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
    expect(d.status?.conditions?.find((c) => c.type === "Available")).toMatchObject({
      status: "False",
      reason: "MinimumReplicasUnavailable",
      message: "Deployment does not have minimum availability.",
    });
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 });
    expect(d.status?.readyReplicas ?? 0).toBe(0);
  });

  it("counts pods available only after minReadySeconds", async () => {
    const name = "minready";
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment(name, "nginx:1.27", { spec: { minReadySeconds: 2 } }) });
    const early = await eventually(
      async () => {
        const d = await apps.readNamespacedDeployment({ name, namespace: NS });
        return d.status?.readyReplicas === 2 ? d : undefined;
      },
      5000,
      "ready replicas",
    );
    expect(early.status?.availableReplicas ?? 0).toBe(0);
    await rolledOut(name, 2, 8000);
  });

  it("scales through /scale, keeps revisionHistoryLimit old ReplicaSets and replaces killed pods", async () => {
    const name = "scaled";
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment(name, "nginx:1.27", { spec: { revisionHistoryLimit: 1 } }) });
    await rolledOut(name, 2);
    await apps.patchNamespacedDeploymentScale({ name, namespace: NS, body: { spec: { replicas: 4 } } }, merge);
    await rolledOut(name, 4);
    expect((await events(name, "ScalingReplicaSet")).at(-1)).toMatch(/^Scaled up replica set scaled-\S+ from 2 to 4$/);
    for (const image of ["nginx:1.28", "nginx:1.29", "nginx:1.30"]) {
      await apps.patchNamespacedDeployment(
        { name, namespace: NS, body: { spec: { template: { spec: { containers: [{ name: "app", image }] } } } } },
        strategic,
      );
      await rolledOut(name, 4);
    }
    await eventually(async () => (await replicaSets(name)).length === 2, 5000, "history cleanup");
    expect((await replicaSets(name)).map(revision).sort()).toEqual(["3", "4"]);

    const victim = (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${name}` })).items[0];
    const deleted = await core.deleteNamespacedPod({ name: victim.metadata?.name ?? "", namespace: NS });
    expect(deleted.metadata?.deletionTimestamp).toBeDefined();
    // Terminating first (graceful deletion), replaced at once by its ReplicaSet, then gone
    const terminating = await core.readNamespacedPod({ name: victim.metadata?.name ?? "", namespace: NS }).catch(() => undefined); // may be gone already
    if (terminating) expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    await eventually(
      async () =>
        (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${name}` })).items.filter(
          (p) => !p.metadata?.deletionTimestamp && p.status?.phase === "Running",
        ).length === 4,
      5000,
      "replacement pod",
    );
    await eventually(
      async () =>
        !(await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${name}` })).items.some((p) => p.metadata?.name === victim.metadata?.name),
      5000,
      "killed pod gone",
    );
    expect(await events(victim.metadata?.name ?? "", "Killing")).toEqual(["Stopping container app"]);
  });
});

describe("deletion", () => {
  it("cascades a Deployment to its ReplicaSets and pods, and terminates a namespace with running pods", async () => {
    await core.createNamespace({ body: { metadata: { name: "doomed" } } });
    for (const ns of [NS, "doomed"]) {
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment("gone", "nginx:1.27", { replicas: 3 }) });
    }
    await rolledOut("gone", 3);
    await eventually(
      async () => (await core.listNamespacedPod({ namespace: "doomed" })).items.filter((p) => p.status?.phase === "Running").length === 3,
      8000,
      "pods in doomed",
    );
    await apps.deleteNamespacedDeployment({ name: "gone", namespace: NS, propagationPolicy: "Foreground" });
    await eventually(
      async () => (await replicaSets("gone")).length === 0 && (await core.listNamespacedPod({ namespace: NS, labelSelector: "app=gone" })).items.length === 0,
      8000,
      "deployment cascade",
    );
    await core.deleteNamespace({ name: "doomed" });
    await eventually(async () => !(await core.listNamespace()).items.some((n) => n.metadata?.name === "doomed"), 10_000, "namespace terminated");
  });
});

describe("StatefulSets", () => {
  it("creates ordered pods one at a time, scales down from the highest ordinal and reports status", async () => {
    const created: string[] = [];
    const w = new Watch(kubeConfigFor(sb.clusters[0]));
    const readyAtCreate = new Map<string, boolean>();
    const ac = await w.watch(
      `/api/v1/namespaces/${NS}/pods`,
      { labelSelector: "app=db" },
      (type, p: { metadata: { name: string } }) => {
        if (type !== "ADDED") return;
        created.push(p.metadata.name);
      },
      () => undefined,
    );
    await apps.createNamespacedStatefulSet({
      namespace: NS,
      body: {
        metadata: { name: "db" },
        spec: {
          replicas: 3,
          serviceName: "db",
          selector: { matchLabels: { app: "db" } },
          template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "pg", image: "postgres:16" }] } },
        },
      },
    });
    const sts = await eventually(
      async () => {
        const s = await apps.readNamespacedStatefulSet({ name: "db", namespace: NS });
        return s.status?.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision ? s : undefined;
      },
      8000,
      "statefulset ready",
    );
    ac.abort();
    void readyAtCreate;
    expect(created).toEqual(["db-0", "db-1", "db-2"]);
    expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    expect(sts.status?.updateRevision).toMatch(/^db-[a-z0-9]+$/);
    const pod0 = await core.readNamespacedPod({ name: "db-0", namespace: NS });
    expect(pod0.spec).toMatchObject({ hostname: "db-0", subdomain: "db" });
    expect(pod0.metadata?.labels).toMatchObject({
      "statefulset.kubernetes.io/pod-name": "db-0",
      "apps.kubernetes.io/pod-index": "0",
      "controller-revision-hash": sts.status?.updateRevision,
    });
    // db-1 was only created once db-0 was Running and Ready
    const ev = (await core.listNamespacedEvent({ namespace: NS, fieldSelector: "involvedObject.name=db" })).items.map((e) => e.message);
    expect(ev).toEqual(
      expect.arrayContaining([
        "create Pod db-0 in StatefulSet db successful",
        "create Pod db-1 in StatefulSet db successful",
        "create Pod db-2 in StatefulSet db successful",
      ]),
    );

    await apps.patchNamespacedStatefulSetScale({ name: "db", namespace: NS, body: { spec: { replicas: 1 } } }, merge);
    await eventually(
      async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: "app=db" })).items.map((p) => p.metadata?.name).join(",") === "db-0",
      8000,
      "scaled down",
    );
    const deletes = (await core.listNamespacedEvent({ namespace: NS, fieldSelector: "involvedObject.name=db,reason=SuccessfulDelete" })).items;
    expect(deletes.map((e) => e.message).sort()).toEqual(["delete Pod db-1 in StatefulSet db successful", "delete Pod db-2 in StatefulSet db successful"]);
    const first = deletes.find((e) => e.message?.includes("db-2"));
    const second = deletes.find((e) => e.message?.includes("db-1"));
    expect((first?.metadata?.name ?? "") < (second?.metadata?.name ?? "")).toBe(true);
  });
});
