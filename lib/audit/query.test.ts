import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ctxFor, makeUser } from "@/test/factories";
import { changeSummary, fieldChanges } from "./diff";
import { exportAuditCsv, ZAuditQuery } from "./query";

async function text(stream: ReadableStream<Uint8Array>) {
  return new Response(stream).text();
}

const filters = (raw: Record<string, string>) => {
  const { page: _page, ...rest } = ZAuditQuery.parse(raw);
  return rest;
};

describe("the audit log's CSV export", () => {
  it("writes the filtered events as RFC 4180 CSV whose cells a spreadsheet will not run as formulas", async () => {
    const admin = await makeUser("admin");
    await db().auditEvent.createMany({
      data: [
        {
          actorLabel: "mallory@evil.test",
          action: "project.update",
          targetType: "project",
          targetId: "p1",
          targetLabel: '=HYPERLINK("http://evil.test","click")',
          before: { name: "Ledger, old" },
          after: { name: 'Ledger "new"\nline two' },
          at: new Date("2026-03-01T10:00:00Z"),
          requestId: "req-1",
        },
        {
          actorLabel: "mallory@evil.test",
          action: "team.create",
          targetType: "team",
          targetId: "t1",
          targetLabel: "+cmd|' /C calc'!A0",
          at: new Date("2026-03-02T10:00:00Z"),
        },
        {
          actorLabel: "someone@else.test",
          action: "project.update",
          targetType: "project",
          targetId: "p2",
          targetLabel: "other",
          at: new Date("2026-03-03T10:00:00Z"),
        },
      ],
    });
    const csv = await text(await exportAuditCsv(await ctxFor(admin), filters({ actor: "mallory" })));
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("time,actor,action,target_type,target_id,target,project,request_id,before,after");
    expect(lines[1]).toBe("2026-03-02T10:00:00.000Z,mallory@evil.test,team.create,team,t1,'+cmd|' /C calc'!A0,,,,");
    expect(csv).toContain(
      '2026-03-01T10:00:00.000Z,mallory@evil.test,project.update,project,p1,"\'=HYPERLINK(""http://evil.test"",""click"")",,req-1,"{""name"":""Ledger, old""}","{""name"":""Ledger \\""new\\""\\nline two""}"\r\n',
    );
    expect(csv).not.toContain("someone@else.test");
    expect(csv.endsWith("\r\n")).toBe(true);
  });

  it("streams every matching event, across its read batches, newest first", async () => {
    const admin = await makeUser("admin");
    const start = Date.parse("2025-01-01T00:00:00Z");
    await db().auditEvent.createMany({
      data: Array.from({ length: 1203 }, (_, i) => ({
        actorLabel: "bulk@test",
        action: "bulk.event",
        targetType: "x",
        targetId: String(i),
        // Pairs share a time: the keyset must not skip or repeat rows with equal times.
        at: new Date(start + Math.floor(i / 2) * 1000),
      })),
    });
    const csv = await text(await exportAuditCsv(await ctxFor(admin), filters({ action: "bulk." })));
    const ids = csv
      .trim()
      .split("\r\n")
      .slice(1)
      .map((l) => Number(l.split(",")[4]));
    expect(ids).toHaveLength(1203);
    expect(new Set(ids).size).toBe(1203);
    expect(ids.slice(0, 1)).toEqual([1202]);
  });

  it("is refused to anyone who may not read the audit log", async () => {
    const e = await exportAuditCsv(await ctxFor(await makeUser("ops")), filters({})).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe("FORBIDDEN");
  });
});

describe("an audit event's change, field by field", () => {
  it("lists the changed fields first with their values in full, then the unchanged, without bookkeeping", () => {
    const rows = fieldChanges(
      { name: "Ledger", tier: "standard", createdAt: "2026-01-01", updatedAt: "a", version: 1, labels: { a: "1" } },
      { name: "Ledger", tier: "critical", createdAt: "2026-01-01", updatedAt: "b", version: 2, labels: { a: "1", hide: "created" } },
    );
    expect(rows.map((r) => [r.field, r.changed])).toEqual([
      ["tier", true],
      ["labels", true],
      ["name", false],
      ["createdAt", false],
    ]);
    expect(rows[1]!.after).toBe('{\n  "a": "1",\n  "hide": "created"\n}');
    expect(changeSummary({ a: 1 }, { a: 2, b: 3 })).toBe("2 fields changed: a, b");
    expect(changeSummary(null, { a: 1 })).toBe("created");
    expect(changeSummary({ a: 1 }, null)).toBe("removed");
  });
});
