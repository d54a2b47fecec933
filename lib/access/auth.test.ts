import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { upsertOidcUser } from "@/lib/access/auth";

process.env.WHARF_ADMIN_EMAILS = "boss@corp.example";

describe("first sign-in through OIDC", () => {
  it("creates the user as a developer and audits it", async () => {
    const r = await upsertOidcUser("https://id.corp.example", { sub: "sub-1", email: "New.Person@Corp.example", name: "New Person" });
    expect("user" in r && r.user).toMatchObject({ email: "new.person@corp.example", platformRole: "developer", oidcSubject: "sub-1" });
    const again = await upsertOidcUser("https://id.corp.example", { sub: "sub-1", email: "new.person@corp.example", name: "New Person" });
    expect("user" in again && again.user.id).toBe("user" in r && r.user.id);
    expect(await db().user.count({ where: { email: "new.person@corp.example" } })).toBe(1);
    expect(await db().auditEvent.count({ where: { action: "user.create", targetLabel: "new.person@corp.example" } })).toBe(1);
  });

  it("makes bootstrap admins admin", async () => {
    const r = await upsertOidcUser("https://id.corp.example", { sub: "sub-boss", email: "boss@corp.example", name: "Boss" });
    expect("user" in r && r.user.platformRole).toBe("admin");
  });

  it("refuses an identity without an e-mail, and a disabled user", async () => {
    expect(await upsertOidcUser("https://id.corp.example", { sub: "sub-x", email: null })).toEqual({ error: "NoEmail" });
    await db().user.create({ data: { email: "off@corp.example", name: "Off", disabled: true } });
    expect(await upsertOidcUser("https://id.corp.example", { sub: "sub-off", email: "off@corp.example" })).toEqual({ error: "Disabled" });
  });
});
