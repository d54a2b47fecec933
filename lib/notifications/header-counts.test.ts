import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { inboxWhere } from "@/lib/tickets/approval";
import { allTicketTypes } from "@/lib/tickets/types";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { headerCounts } from "./index";

/** What the inbox page lists for this actor (Prisma, `inboxWhere`): the header's count must say the same. */
const listed = (ctx: Ctx) => db().ticket.count({ where: inboxWhere(ctx.actor) });

describe("the header's counts", () => {
  it("count, in one statement, the open tickets each person could decide and their own unread notifications", async () => {
    const owner = await makeUser("developer");
    const maintainer = await makeUser("developer");
    const developer = await makeUser("developer");
    const viewer = await makeUser("developer");
    const outsider = await makeUser("developer");
    const ops = await makeUser("ops");
    const manager = await makeUser("manager");
    const admin = await makeUser("admin");
    const mine = await makeProject({
      owner,
      members: [
        [maintainer, "maintainer"],
        [developer, "developer"],
        [viewer, "viewer"],
      ],
    });
    const theirs = await makeProject({ owner: outsider });

    // Every ticket type, on both projects and on none, with and without an admin's approval required, open or already
    // decided, asked by a member or by the owner (who never counts their own request).
    const types = allTicketTypes().map((t) => t.type);
    expect(types.length).toBeGreaterThan(3);
    const data = types.flatMap((type) =>
      [mine.id, theirs.id, null].flatMap((projectId) =>
        [false, true].flatMap((requiresAdmin) =>
          (["open", "approved"] as const).flatMap((status) =>
            [developer.id, owner.id].map((requesterId) => ({ type, projectId, requiresAdmin, status, requesterId, title: `${type} test`, payload: {} })),
          ),
        ),
      ),
    );
    await db().ticket.createMany({ data });

    await db().notification.createMany({
      data: [
        { userId: owner.id, title: "one", body: "", link: "/" },
        { userId: owner.id, title: "two", body: "", link: "/" },
        { userId: owner.id, title: "read", body: "", link: "/", readAt: new Date() },
        { userId: developer.id, title: "yours", body: "", link: "/" },
      ],
    });

    const counts = new Map<string, { inbox: number; unread: number }>();
    for (const [name, user] of Object.entries({ owner, maintainer, developer, viewer, outsider, ops, manager, admin })) {
      const ctx = await ctxFor(user);
      const got = await headerCounts(ctx);
      expect(got.inbox, `${name}'s inbox`).toBe(await listed(ctx));
      counts.set(name, got);
    }
    // The rule has something to tell apart: the owner decides on their project, a viewer and an outsider on nothing of it.
    expect(counts.get("owner")!.inbox).toBeGreaterThan(0);
    expect(counts.get("viewer")!.inbox).toBe(0);
    expect(counts.get("admin")!.inbox).toBeGreaterThan(counts.get("owner")!.inbox);
    // Unread is per person: read ones and other people's do not count.
    expect(counts.get("owner")!.unread).toBe(2);
    expect(counts.get("developer")!.unread).toBe(1);
    expect(counts.get("outsider")!.unread).toBe(0);
  });
});
