/**
 * What the gray release editor and the instances page read: the instances a
 * rule being edited selects now (none is a warning for the page, not an
 * error), the active gray and every gray's history, and who may act.
 */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import type { AppError } from "@/lib/errors";
import { ctxFor, makeProject, makeTeam, makeUser } from "@/test/factories";
import { editItems } from "./edit";
import { abandonGray, mergeGray, startGray } from "./gray";
import { ensureApplication } from "./namespaces";
import { publishDraft } from "./publish";
import { getWorkingCopy } from "./read";
import { getGrayEditor, previewInstances } from "./gray-read";
import { getConfigTab } from "./tab-scope";
import { NextRequest } from "next/server";
import { GET as instancesRoute } from "@/app/api/config/instances/route";

async function fixture(slug: string) {
  const [owner, viewer, outsider] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  const project = await makeProject({ owner, slug, teamId: (await makeTeam()).id, lifecycle: "active", members: [[viewer, "viewer"]] });
  await db().environment.create({ data: { projectId: project.id, kind: "dev" } });
  const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API" } });
  const app = await ensureApplication(service.id);
  const ref = { namespaceId: app.id, serviceId: service.id, environment: "dev" as const, cluster: "default" };
  const o = await ctxFor(owner);
  await editItems(o, {
    ...ref,
    draftVersion: 0,
    changes: [
      { op: "set", key: "greeting", value: "Hello" },
      { op: "set", key: "legacy", value: "on" },
    ],
  });
  const wc = await getWorkingCopy(o, ref);
  const main = await publishDraft(o, { ...ref, draftVersion: wc.draftVersion, baseReleaseId: null, comment: "main" });
  if (main.status !== "published") throw new Error("dev publishes at once");
  const release = await db().configRelease.findFirstOrThrow({ where: { id: main.releaseId } });
  // What the config service records when two clients read the namespace: a canary pod and a stable one.
  for (const [ip, pod, track] of [
    ["10.1.0.7", "api-abc", "canary"],
    ["10.1.0.8", "api-def", "stable"],
  ])
    await db().configInstance.create({
      data: {
        environment: "dev",
        appId: `${slug}.api`,
        cluster: "default",
        namespace: "application",
        ip,
        pod,
        labels: { track },
        releaseKey: release.releaseKey,
      },
    });
  return { ref, owner: o, viewer: await ctxFor(viewer), outsider: await ctxFor(outsider), slug };
}

describe("gray release editor", () => {
  it("shows which instances a rule selects now, and none (a warning on the page) for a rule nothing matches", async () => {
    const f = await fixture("gray-read-preview");
    const canary = await previewInstances(f.viewer, { ...f.ref, rule: { labels: { track: "canary" } } });
    expect(canary.instances.filter((i) => i.matchesRule).map((i) => i.pod)).toEqual(["api-abc"]);
    expect(canary.matching).toBe(1);
    expect(canary.onLatest).toBe(2);
    const nobody = await previewInstances(f.viewer, { ...f.ref, rule: { labels: { track: "blue" } } });
    expect(nobody.matching).toBe(0);
    expect(nobody.total).toBe(2);
    const refused = await previewInstances(f.outsider, f.ref).catch((e: unknown) => e as AppError);
    expect((refused as AppError).code).toBe("FORBIDDEN");
  });

  it("keeps every gray release's history: started, abandoned, merged, with their releases; a viewer reads it without the right to act", async () => {
    const f = await fixture("gray-read-history");
    const rule = { labels: { track: "canary" } };
    const first = await startGray(f.owner, { ...f.ref, rule, changes: { set: [{ key: "greeting", value: "Hi" }], delete: ["legacy"] }, comment: "try" });
    let editor = await getGrayEditor(f.viewer, f.ref);
    expect(editor.rights.publish).toBe(false);
    expect(editor.active?.changes).toEqual({ set: [expect.objectContaining({ key: "greeting", value: "Hi" })], delete: ["legacy"] });
    expect(editor.instances.instances.find((i) => i.pod === "api-abc")?.matchesGray).toBe(true);
    await abandonGray(f.owner, { grayId: first.grayId, version: 1 });
    const second = await startGray(f.owner, { ...f.ref, rule, changes: { set: [{ key: "greeting", value: "Hey" }], delete: [] }, comment: "again" });
    await mergeGray(f.owner, { grayId: second.grayId, version: 1 });
    editor = await getGrayEditor(f.owner, f.ref);
    expect(editor.rights.publish).toBe(true);
    expect(editor.active).toBeNull();
    expect(editor.history.map((g) => g.status)).toEqual(["merged", "abandoned"]);
    expect(editor.history[1]!.releases).toHaveLength(1);
    expect(editor.main?.entries.map((e) => [e.key, e.value])).toEqual([
      ["greeting", "Hey"],
      ["legacy", "on"],
    ]);
  });

  it("reads the working copy from the config tabs' search params, falling back to the defaults", async () => {
    const f = await fixture("gray-read-tab");
    const tab = await getConfigTab(f.viewer, f.slug, "api", { env: "prod", cluster: "nowhere", ns: "missing" });
    expect(tab.ref).toEqual(f.ref);
  });

  it("the instances route answers members with the rule's matches, refuses others, and names a rule that is not JSON", async () => {
    const f = await fixture("gray-read-route");
    const url = (rule: string) =>
      new NextRequest(
        new URL(
          `/api/config/instances?namespaceId=${f.ref.namespaceId}&serviceId=${f.ref.serviceId}&environment=dev&cluster=default&rule=${encodeURIComponent(rule)}`,
          "http://wharf.test",
        ),
      );
    const call = (ctx: typeof f.viewer, rule: string) => instancesRoute.withActor(async () => ctx.actor)(url(rule), { params: Promise.resolve({}) });
    const ok = await call(f.viewer, JSON.stringify({ labels: { track: "canary" } }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { matching: number }).matching).toBe(1);
    expect((await call(f.outsider, JSON.stringify({ percent: 50 }))).status).toBe(403);
    const bad = await call(f.viewer, "{track=canary");
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.rule).toEqual(["Send the gray rule as JSON"]);
  });
});
