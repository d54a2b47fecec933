/**
 * The config center below its pages and its client API: drafts, diffs,
 * publishing (editor and publisher are different rights; production through
 * a ticket), restore, gray releases that add, change and delete keys, public
 * namespaces with per-service overrides, cluster fallback, secrets sealed at
 * rest and delivered only to signed clients.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { decideTicket } from "@/lib/tickets/engine";
import { getTicket } from "@/lib/tickets/query";
import { ctxFor, makeProject, makeTeam, makeUser } from "@/test/factories";
import { editItems, editText } from "./edit";
import { publishDraft, restoreRelease } from "./publish";
import { abandonGray, mergeGray, startGray, updateGray } from "./gray";
import { createNamespace, createPublicNamespace, ensureApplication, linkPublicNamespace, setNamespaceSchema } from "./namespaces";
import { diffConfigReleases, getServiceConfig, getWorkingCopy, listConfigReleases } from "./read";
import { resolveClientConfig, watchKeys } from "./resolve";
import { CONFIG_CHANNEL } from "./store";
import { checkFileText, parsePropertiesText } from "./formats";

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

let admin: Ctx;
let ops: Ctx;

beforeAll(async () => {
  admin = await ctxFor(await makeUser("admin"));
  ops = await ctxFor(await makeUser("ops"));
});

/** A project with one service and dev, prod on a cluster; its owner, a maintainer, a developer and a viewer. */
async function fixture(slug: string) {
  const [owner, maintainer, developer, viewer] = await Promise.all([makeUser(), makeUser(), makeUser(), makeUser()]);
  const team = await makeTeam();
  const project = await makeProject({
    owner,
    slug,
    teamId: team.id,
    lifecycle: "active",
    members: [
      [maintainer, "maintainer"],
      [developer, "developer"],
      [viewer, "viewer"],
    ],
  });
  const cluster = await db().cluster.upsert({
    where: { name: "east" },
    create: { name: "east", region: "eu", apiUrl: "https://east", kubeconfigEncrypted: "x", context: "x" },
    update: {},
  });
  for (const kind of ["dev", "prod"] as const)
    await db().environment.create({ data: { projectId: project.id, kind, clusters: { create: [{ clusterId: cluster.id }] } } });
  const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API" } });
  const app = await ensureApplication(service.id);
  return {
    project,
    team,
    service,
    app,
    appId: `${slug}.api`,
    owner: await ctxFor(owner),
    maintainer: await ctxFor(maintainer),
    developer: await ctxFor(developer),
    viewer: await ctxFor(viewer),
    ref: (environment: "dev" | "prod" = "dev", cluster = "default") => ({ namespaceId: app.id, serviceId: service.id, environment, cluster }),
  };
}

const client = (
  appId: string,
  environment = "dev",
  cluster = "default",
  instance: { ip: string; labels?: Record<string, string>; pod?: string } = { ip: "10.0.0.1" },
) => resolveClientConfig({ environment, appId, cluster, namespace: "application", instance, authenticated: false });

async function publish(ctx: Ctx, ref: ReturnType<Awaited<ReturnType<typeof fixture>>["ref"]>, comment = "change") {
  const wc = await getWorkingCopy(ctx, ref);
  return publishDraft(ctx, { ...ref, draftVersion: wc.draftVersion, baseReleaseId: wc.latestRelease?.id ?? null, comment });
}

describe("formats", () => {
  it("reads .properties with comments, and points at a duplicate or bad key's line", () => {
    const ok = parsePropertiesText("# shown on the home page\ngreeting = Hello\n\ntimeout.ms=500\n");
    expect(ok).toEqual({
      ok: true,
      entries: [
        { key: "greeting", value: "Hello", comment: "shown on the home page", secret: false },
        { key: "timeout.ms", value: "500", comment: "", secret: false },
      ],
    });
    const bad = parsePropertiesText("a=1\nb=2\na=3\nbad*key=4\n");
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems).toEqual([
      { line: 3, key: "a", message: '"a" is already set on line 1' },
      { line: 4, key: "bad*key", message: expect.stringMatching(/no spaces/) },
    ]);
  });

  it("checks YAML and JSON files at their line", () => {
    expect(checkFileText("yaml", "a: 1\nb:\n  - x\n   y: [\n")[0]).toMatchObject({ line: expect.any(Number) });
    expect(checkFileText("yaml", "a: 1\na: 2\n")[0]?.message).toMatch(/unique/i);
    expect(checkFileText("json", '{\n  "a": 1,\n  "b": \n}')[0]).toEqual({ line: 4, message: "Not JSON: a value is expected" });
    expect(checkFileText("json", "")).toEqual([{ line: 1, message: "Empty: a JSON namespace holds a JSON document" }]);
    expect(checkFileText("txt", "anything: [")).toEqual([]);
  });
});

describe("drafts and releases", () => {
  it("a developer edits and sees the diff key by key; a viewer and another project's owner may not edit", async () => {
    const f = await fixture("cfg-draft");
    expect((await getServiceConfig(f.developer, f.service.id)).rights).toEqual({ edit: true, publish: false, manage: false });
    await editItems(f.developer, { ...f.ref(), draftVersion: 0, changes: [{ op: "set", key: "greeting", value: "Hello", comment: "home page" }] });
    const wc = await getWorkingCopy(f.developer, f.ref());
    expect(wc.draftVersion).toBe(1);
    expect(wc.changes).toEqual([{ kind: "added", key: "greeting", after: "Hello", secret: false }]);
    expect(wc.text).toBe("# home page\ngreeting = Hello\n");
    expect((await failure(editItems(f.viewer, { ...f.ref(), draftVersion: 1, changes: [{ op: "set", key: "x", value: "1" }] })))?.code).toBe("FORBIDDEN");
    const stranger = await fixture("cfg-stranger");
    expect((await failure(editItems(stranger.owner, { ...f.ref(), draftVersion: 1, changes: [{ op: "set", key: "x", value: "1" }] })))?.code).toBe("FORBIDDEN");
    expect((await failure(getWorkingCopy(stranger.viewer, f.ref())))?.code).toBe("FORBIDDEN");
  });

  it("refuses an edit made on an older draft, naming who edited since", async () => {
    const f = await fixture("cfg-stale");
    await editItems(f.developer, { ...f.ref(), draftVersion: 0, changes: [{ op: "set", key: "a", value: "1" }] });
    const e = await failure(editText(f.maintainer, { ...f.ref(), draftVersion: 0, text: "a=2\n" }));
    expect(e?.code).toBe("CONFLICT");
    expect(e?.userMessage).toContain(f.developer.actor.email);
  });

  it("refuses text with problems at their line, and values against the namespace's JSON Schema", async () => {
    const f = await fixture("cfg-text");
    const dup = await failure(editText(f.developer, { ...f.ref(), draftVersion: 0, text: "a=1\na=2\n" }));
    expect(dup).toMatchObject({ code: "INVALID_INPUT", fieldErrors: { text: ['line 2: "a" is already set on line 1'] } });
    const ns = await db().configNamespace.findUniqueOrThrow({ where: { id: f.app.id } });
    await setNamespaceSchema(f.maintainer, {
      namespaceId: ns.id,
      version: ns.version,
      schema: JSON.stringify({ type: "object", properties: { port: { type: "string", pattern: "^[0-9]+$" } }, required: ["port"] }),
    });
    const bad = await failure(editText(f.developer, { ...f.ref(), draftVersion: 0, text: "port=eighty\n" }));
    expect(bad?.fieldErrors?.["items.port"]?.[0]).toMatch(/port must match pattern/);
    const missing = await failure(editText(f.developer, { ...f.ref(), draftVersion: 0, text: "other=1\n" }));
    expect(missing?.fieldErrors?.text?.[0]).toMatch(/port/);
    await editText(f.developer, { ...f.ref(), draftVersion: 0, text: "port=8080\n" });
  });

  it("only a publisher publishes; a release is immutable, diffable and restorable as a new release", async () => {
    const f = await fixture("cfg-pub");
    await editItems(f.developer, {
      ...f.ref(),
      draftVersion: 0,
      changes: [
        { op: "set", key: "greeting", value: "Hello" },
        { op: "set", key: "gone", value: "soon" },
      ],
    });
    expect((await failure(publish(f.developer, f.ref())))?.code).toBe("FORBIDDEN");
    const first = await publish(f.maintainer, f.ref(), "first");
    expect(first).toMatchObject({ status: "published", releaseNumber: 1 });
    expect((await client(f.appId))?.configurations).toEqual({ greeting: "Hello", gone: "soon" });
    expect((await failure(publish(f.maintainer, f.ref())))?.userMessage).toMatch(/nothing to publish/);

    await editItems(f.developer, {
      ...f.ref(),
      draftVersion: 1,
      changes: [
        { op: "set", key: "greeting", value: "Hi" },
        { op: "delete", key: "gone" },
      ],
    });
    const wc = await getWorkingCopy(f.developer, f.ref());
    expect(wc.changes).toEqual([
      { kind: "changed", key: "greeting", before: "Hello", after: "Hi", secret: false },
      { kind: "deleted", key: "gone", before: "soon", secret: false },
    ]);
    expect(wc.summary).toBe("1 changed, 1 deleted");
    const second = await publish(f.owner, f.ref(), "second");
    expect((await client(f.appId))?.configurations).toEqual({ greeting: "Hi" });
    const releases = await listConfigReleases(f.viewer, f.ref());
    expect(releases.map((r) => [r.number, r.comment, r.latest])).toEqual([
      [2, "second", true],
      [1, "first", false],
    ]);
    const diff = await diffConfigReleases(f.viewer, releases[1]!.id, releases[0]!.id);
    expect(diff.summary).toBe("1 changed, 1 deleted");

    const restored = await restoreRelease(f.maintainer, { releaseId: releases[1]!.id });
    expect(restored).toMatchObject({ status: "published", releaseNumber: 3 });
    expect((await client(f.appId))?.configurations).toEqual({ greeting: "Hello", gone: "soon" });
    expect((await getWorkingCopy(f.developer, f.ref())).changes).toEqual([]); // the draft follows a restore
    expect(second.status).toBe("published");
    const audits = await db().auditEvent.findMany({
      where: { projectId: f.project.id, action: { in: ["config.publish", "config.restore"] } },
      orderBy: { at: "asc" },
    });
    expect(audits.map((a) => a.action)).toEqual(["config.publish", "config.publish", "config.restore"]);
  });

  it("refuses a publish from a stale draft, saying who published meanwhile and when", async () => {
    const f = await fixture("cfg-race");
    await editItems(f.developer, { ...f.ref(), draftVersion: 0, changes: [{ op: "set", key: "a", value: "1" }] });
    const seenByOwner = await getWorkingCopy(f.owner, f.ref());
    await publish(f.maintainer, f.ref(), "maintainer's");
    const e = await failure(publishDraft(f.owner, { ...f.ref(), draftVersion: seenByOwner.draftVersion, baseReleaseId: null, comment: "owner's" }));
    expect(e?.code).toBe("CONFLICT");
    expect(e?.userMessage).toMatch(new RegExp(`Release #1 was published by ${f.maintainer.actor.name} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`));
  });

  it("announces a publish on the Postgres channel the config services listen to", async () => {
    const f = await fixture("cfg-notify");
    const pg = await import("pg");
    const listener = new pg.default.Client({ connectionString: process.env.DATABASE_URL });
    await listener.connect();
    const heard = new Promise<string>((resolve) => listener.on("notification", (n) => resolve(n.payload ?? "")));
    await listener.query(`listen ${CONFIG_CHANNEL}`);
    await editItems(f.developer, { ...f.ref(), draftVersion: 0, changes: [{ op: "set", key: "a", value: "1" }] });
    await publish(f.maintainer, f.ref());
    expect(await heard).toMatch(/^\d+:dev\+cfg-notify\.api\+default\+application$/);
    expect(watchKeys("dev", "cfg-notify.api", "east", "application.properties")).toContain("dev+cfg-notify.api+default+application");
    await listener.end();
  });
});

describe("production", () => {
  it("a maintainer's publish to production waits for ops, who see the diff; approval publishes what they saw", async () => {
    const f = await fixture("cfg-prod");
    await editItems(f.developer, { ...f.ref("prod"), draftVersion: 0, changes: [{ op: "set", key: "greeting", value: "Hello" }] });
    const asked = await publish(f.maintainer, f.ref("prod"), "launch");
    expect(asked).toMatchObject({ status: "pending_approval", ticketNumber: expect.any(Number) });
    expect(await client(f.appId, "prod")).toBeNull();
    // Edits made after asking do not change what is approved.
    await editItems(f.developer, { ...f.ref("prod"), draftVersion: 1, changes: [{ op: "set", key: "greeting", value: "changed after asking" }] });
    const t = await getTicket(ops, asked.ticketNumber!);
    expect(t.typeLabel).toBe("Config publish");
    expect(t.view.fields.find((x) => x.label === "Changes")?.value).toMatchObject({ kind: "diff", before: "", after: "greeting = Hello\n" });
    expect((await getTicket(f.maintainer, asked.ticketNumber!)).rights.decide).toBe(false);
    await decideTicket(ops, { ticketId: t.id, decision: "approve" });
    const done = await getTicket(ops, asked.ticketNumber!);
    expect(done.status).toBe("done");
    // Decided, the ticket still says what it changed and names the release it became; no stale warning.
    expect(done.view.fields.find((x) => x.label === "Careful")).toBeUndefined();
    expect(done.view.fields.find((x) => x.label === "Changes")?.value).toMatchObject({ kind: "diff", before: "", after: "greeting = Hello\n" });
    expect(JSON.stringify(done.view.fields.find((x) => x.label === "Published")?.value)).toContain("release #1");
    expect((await client(f.appId, "prod"))?.configurations).toEqual({ greeting: "Hello" });
    // Who decides such tickets (an admin here; ops decide but do not publish) publishes to production directly.
    expect(await publish(admin, f.ref("prod"), "admin")).toMatchObject({ status: "published", releaseNumber: 2 });
  });

  it("refuses approving a publish when someone published since it was asked", async () => {
    const f = await fixture("cfg-prod-race");
    await editItems(f.developer, { ...f.ref("prod"), draftVersion: 0, changes: [{ op: "set", key: "a", value: "1" }] });
    const asked = await publish(f.maintainer, f.ref("prod"), "mine");
    await editItems(f.developer, { ...f.ref("prod"), draftVersion: 1, changes: [{ op: "set", key: "a", value: "2" }] });
    await publish(admin, f.ref("prod"), "hotfix by an admin");
    const t = await getTicket(ops, asked.ticketNumber!);
    expect(t.view.fields[0]).toMatchObject({ label: "Careful" });
    const e = await failure(decideTicket(admin, { ticketId: t.id, decision: "approve" }));
    expect(e?.code).toBe("CONFLICT");
    expect((await client(f.appId, "prod"))?.configurations).toEqual({ a: "2" });
  });
});

describe("gray releases", () => {
  it("reach only the instances their rule selects, may delete keys, and are widened, merged or abandoned", async () => {
    const f = await fixture("cfg-gray");
    await editItems(f.developer, {
      ...f.ref(),
      draftVersion: 0,
      changes: [
        { op: "set", key: "greeting", value: "Hello" },
        { op: "set", key: "legacy", value: "on" },
      ],
    });
    await publish(f.maintainer, f.ref(), "main");
    const canary = { ip: "10.0.0.7", pod: "api-7f-abc", labels: { track: "canary" } };
    const stable = { ip: "10.0.0.8", pod: "api-7f-def", labels: { track: "stable" } };
    expect(
      (
        await failure(
          startGray(f.developer, {
            ...f.ref(),
            rule: { labels: { track: "canary" } },
            changes: { set: [{ key: "greeting", value: "Hi" }], delete: [] },
            comment: "try",
          }),
        )
      )?.code,
    ).toBe("FORBIDDEN");
    const { grayId } = await startGray(f.maintainer, {
      ...f.ref(),
      rule: { labels: { track: "canary" } },
      changes: {
        set: [
          { key: "greeting", value: "Hi" },
          { key: "new", value: "1" },
        ],
        delete: ["legacy"],
      },
      comment: "try hi",
    });
    expect((await client(f.appId, "dev", "east", canary))?.configurations).toEqual({ greeting: "Hi", new: "1" });
    expect((await client(f.appId, "dev", "east", stable))?.configurations).toEqual({ greeting: "Hello", legacy: "on" });
    expect((await client(f.appId, "dev", "east", canary))?.gray).toBe(true);

    const gray = (await getWorkingCopy(f.maintainer, f.ref())).gray!;
    expect(gray.description).toBe("track=canary");
    await updateGray(f.maintainer, { grayId, version: gray.version, rule: { labels: { track: "canary" }, pods: ["api-7f-def"] } });
    expect((await client(f.appId, "dev", "east", stable))?.configurations).toEqual({ greeting: "Hi", new: "1" });

    const bad = await failure(startGray(f.maintainer, { ...f.ref(), rule: { percent: 10 }, changes: { set: [], delete: ["nope"] }, comment: "x" }));
    expect(bad?.code).toMatch(/PRECONDITION_FAILED|INVALID_INPUT/);

    const now = (await getWorkingCopy(f.maintainer, f.ref())).gray!;
    await mergeGray(f.maintainer, { grayId, version: now.version });
    expect((await client(f.appId, "dev", "east", { ip: "10.9.9.9" }))?.configurations).toEqual({ greeting: "Hi", new: "1" });
    expect((await getWorkingCopy(f.maintainer, f.ref())).gray).toBeNull();
    expect((await getWorkingCopy(f.maintainer, f.ref())).changes).toEqual([]);

    const again = await startGray(f.maintainer, {
      ...f.ref(),
      rule: { percent: 100 },
      changes: { set: [{ key: "greeting", value: "Yo" }], delete: [] },
      comment: "everyone",
    });
    expect((await client(f.appId, "dev", "default", { ip: "10.1.1.1" }))?.configurations.greeting).toBe("Yo");
    const v = (await getWorkingCopy(f.maintainer, f.ref())).gray!.version;
    await abandonGray(f.maintainer, { grayId: again.grayId, version: v });
    expect((await client(f.appId, "dev", "default", { ip: "10.1.1.1" }))?.configurations.greeting).toBe("Hi");
    const history = await listConfigReleases(f.viewer, f.ref());
    expect(history.filter((r) => r.gray)).toHaveLength(3);
  });
});

describe("what clients get", () => {
  it("falls back from a cluster to default, key set by key set", async () => {
    const f = await fixture("cfg-dc");
    await editItems(f.developer, { ...f.ref(), draftVersion: 0, changes: [{ op: "set", key: "dc", value: "any" }] });
    await publish(f.maintainer, f.ref());
    expect((await client(f.appId, "dev", "east"))?.configurations).toEqual({ dc: "any" });
    await editItems(f.developer, { ...f.ref("dev", "east"), draftVersion: 0, changes: [{ op: "set", key: "dc", value: "east" }] });
    await publish(f.maintainer, f.ref("dev", "east"));
    expect((await client(f.appId, "dev", "east"))?.configurations).toEqual({ dc: "east" });
    expect((await client(f.appId, "dev", "west"))?.configurations).toEqual({ dc: "any" });
    expect(await client("nobody.here")).toBeNull();
    expect(
      await resolveClientConfig({
        environment: "dev",
        appId: f.appId,
        cluster: "default",
        namespace: "missing",
        instance: { ip: "1.1.1.1" },
        authenticated: false,
      }),
    ).toBeNull();
    expect((await failure(editItems(f.developer, { ...f.ref("dev", "nowhere"), draftVersion: 0, changes: [{ op: "set", key: "a", value: "1" }] })))?.code).toBe(
      "INVALID_INPUT",
    );
  });

  it("merges a team's public namespace with a service's overrides", async () => {
    const f = await fixture("cfg-public");
    const lead = await makeUser();
    await db().teamMembership.create({ data: { teamId: f.team.id, userId: lead.id, role: "lead" } });
    const leadCtx = await ctxFor(lead);
    expect((await failure(createPublicNamespace(f.owner, { teamId: f.team.id, name: "common" })))?.code).toBe("FORBIDDEN");
    const ns = await createPublicNamespace(leadCtx, { teamId: f.team.id, name: "common" });
    expect(ns.name).toBe(`${f.team.slug}.common`);
    const base = { namespaceId: ns.id, serviceId: null, environment: "dev" as const, cluster: "default" };
    await editItems(leadCtx, {
      ...base,
      draftVersion: 0,
      changes: [
        { op: "set", key: "timeout", value: "5s" },
        { op: "set", key: "region", value: "eu" },
      ],
    });
    const wc = await getWorkingCopy(leadCtx, base);
    await publishDraft(leadCtx, { ...base, draftVersion: wc.draftVersion, baseReleaseId: null, comment: "shared" });
    const ask = { environment: "dev", appId: f.appId, cluster: "default", namespace: ns.name, instance: { ip: "10.0.0.1" }, authenticated: false };
    expect((await resolveClientConfig(ask))?.configurations).toEqual({ timeout: "5s", region: "eu" });
    await linkPublicNamespace(f.maintainer, { serviceId: f.service.id, namespaceId: ns.id });
    const override = { ...base, serviceId: f.service.id };
    await editItems(f.developer, { ...override, draftVersion: 0, changes: [{ op: "set", key: "timeout", value: "9s" }] });
    const owc = await getWorkingCopy(f.developer, override);
    await publishDraft(f.maintainer, { ...override, draftVersion: owc.draftVersion, baseReleaseId: null, comment: "slower" });
    const got = await resolveClientConfig(ask);
    expect(got?.configurations).toEqual({ timeout: "9s", region: "eu" });
    expect(got?.releaseKey.split("+")).toHaveLength(2);
    expect((await getServiceConfig(f.viewer, f.service.id)).namespaces.map((n) => [n.name, n.public])).toEqual([
      ["application", false],
      [ns.name, true],
    ]);
  });

  it("seals secrets at rest, masks them for people and in audit, and delivers them only to signed clients", async () => {
    const f = await fixture("cfg-secret");
    await editItems(f.developer, {
      ...f.ref(),
      draftVersion: 0,
      changes: [
        { op: "set", key: "db.password", value: "s3cr3t-value", secret: true },
        { op: "set", key: "db.user", value: "app" },
      ],
    });
    const stored = await db().configItem.findFirstOrThrow({ where: { key: "db.password" } });
    expect(stored.value).not.toContain("s3cr3t");
    const wc = await getWorkingCopy(f.viewer, f.ref());
    expect(wc.items.find((i) => i.key === "db.password")?.value).toBe("••••••");
    expect(wc.text).not.toContain("s3cr3t");
    // The text editor keeps a masked secret and replaces it when a new value is typed.
    await editText(f.developer, { ...f.ref(), draftVersion: 1, text: wc.text.replace("db.user = app", "db.user = svc") });
    await publish(f.maintainer, f.ref());
    const anonymous = await client(f.appId);
    expect(anonymous?.configurations).toEqual({ "db.user": "svc" });
    const signed = await resolveClientConfig({
      environment: "dev",
      appId: f.appId,
      cluster: "default",
      namespace: "application",
      instance: { ip: "10.0.0.1" },
      authenticated: true,
    });
    expect(signed?.configurations).toEqual({ "db.password": "s3cr3t-value", "db.user": "svc" });
    const audit = JSON.stringify(await db().auditEvent.findMany({ where: { projectId: f.project.id } }));
    expect(audit).not.toContain("s3cr3t");
  });

  it("file namespaces hold one document, checked in their format", async () => {
    const f = await fixture("cfg-file");
    const yaml = await createNamespace(f.maintainer, { serviceId: f.service.id, name: "app.yaml" });
    expect(yaml.format).toBe("yaml");
    const ref = { namespaceId: yaml.id, serviceId: f.service.id, environment: "dev" as const, cluster: "default" };
    const bad = await failure(editText(f.developer, { ...ref, draftVersion: 0, text: "a: 1\na: 2\n" }));
    expect(bad?.fieldErrors?.text?.[0]).toMatch(/^line 2: /);
    await editText(f.developer, { ...ref, draftVersion: 0, text: "server:\n  port: 8080\n" });
    await publishDraft(f.maintainer, { ...ref, draftVersion: 1, baseReleaseId: null, comment: "yaml" });
    const got = await resolveClientConfig({
      environment: "dev",
      appId: f.appId,
      cluster: "default",
      namespace: "app.yaml",
      instance: { ip: "1.2.3.4" },
      authenticated: false,
    });
    expect(got).toMatchObject({ format: "yaml", configurations: { content: "server:\n  port: 8080\n" } });
    expect((await failure(createNamespace(f.developer, { serviceId: f.service.id, name: "other.json" })))?.code).toBe("FORBIDDEN");
  });
});
