/** Access keys: who may manage them, the secret shown once and sealed at rest, Apollo's rules (five at most, disabled before deleted), audit, NOTIFY. */
import { describe, expect, it } from "vitest";
import pg from "pg";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import {
  ACCESS_KEY_LIMIT,
  CONFIG_ACCESS_CHANNEL,
  createAccessKey,
  deleteAccessKey,
  enabledAccessSecrets,
  listAccessKeys,
  setAccessKeyEnabled,
} from "./access-keys";

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

async function fixture(slug: string) {
  const [owner, developer, viewer] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  const project = await makeProject({
    owner,
    slug,
    lifecycle: "active",
    members: [
      [developer, "developer"],
      [viewer, "viewer"],
    ],
  });
  const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API" } });
  return { project, service, owner: await ctxFor(owner), developer: await ctxFor(developer), viewer: await ctxFor(viewer) };
}

describe("access keys", () => {
  it("are created by a maintainer or owner, shown once, sealed at rest, audited without the secret, and announced", async () => {
    const f = await fixture("ak-create");
    expect((await failure(createAccessKey(f.developer, { serviceId: f.service.id, environment: "dev" })))?.code).toBe("FORBIDDEN");
    const listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await listener.connect();
    const heard = new Promise<string>((resolve) => listener.on("notification", (n) => resolve(n.payload ?? "")));
    await listener.query(`listen ${CONFIG_ACCESS_CHANNEL}`);
    const key = await createAccessKey(f.owner, { serviceId: f.service.id, environment: "dev" });
    expect(await heard).toBe("dev+ak-create.api");
    await listener.end();
    expect(key).toMatchObject({ environment: "dev", enabled: true, secret: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const stored = await db().configAccessKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(stored.secret).not.toContain(key.secret);
    expect(await enabledAccessSecrets(f.service.id, "dev")).toEqual([key.secret]);
    const listed = await listAccessKeys(f.viewer, f.service.id);
    expect(listed).toEqual([{ id: key.id, environment: "dev", enabled: true, createdAt: expect.any(Date), secret: `••••${key.secret.slice(-4)}` }]);
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "config.access_key.create", targetId: key.id } });
    expect(JSON.stringify(audit)).not.toContain(key.secret);
    expect(audit.projectId).toBe(f.project.id);
  });

  it("are at most five per environment, disabled before deleted, and every change is audited", async () => {
    const f = await fixture("ak-rules");
    const keys = [];
    for (let i = 0; i < ACCESS_KEY_LIMIT; i++) keys.push(await createAccessKey(f.owner, { serviceId: f.service.id, environment: "prod" }));
    expect((await failure(createAccessKey(f.owner, { serviceId: f.service.id, environment: "prod" })))?.code).toBe("PRECONDITION_FAILED");
    await createAccessKey(f.owner, { serviceId: f.service.id, environment: "dev" }); // another environment counts apart
    const first = keys[0]!;
    expect((await failure(deleteAccessKey(f.owner, { id: first.id })))?.userMessage).toMatch(/Disable/);
    expect((await failure(setAccessKeyEnabled(f.developer, { id: first.id, enabled: false })))?.code).toBe("FORBIDDEN");
    await setAccessKeyEnabled(f.owner, { id: first.id, enabled: false });
    expect(await enabledAccessSecrets(f.service.id, "prod")).not.toContain(first.secret);
    await deleteAccessKey(f.owner, { id: first.id });
    expect(await db().configAccessKey.count({ where: { serviceId: f.service.id, environment: "prod" } })).toBe(ACCESS_KEY_LIMIT - 1);
    expect((await failure(deleteAccessKey(f.owner, { id: first.id })))?.code).toBe("NOT_FOUND");
    const actions = await db().auditEvent.findMany({ where: { targetId: first.id }, orderBy: { at: "asc" }, select: { action: true } });
    expect(actions.map((a) => a.action)).toEqual(["config.access_key.create", "config.access_key.disable", "config.access_key.delete"]);
  });
});
