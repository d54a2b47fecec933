import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { advance, decodeCursor, encodeCursor, sourceId, type SourceKey } from "./cursor";
import type { Position } from "./types";

describe("the resume cursor", () => {
  it("gives back every source's position, previous instances apart, and stays compact for 40 sources", () => {
    const positions = new Map<string, { key: SourceKey; at: Position }>();
    for (const clusterId of ["cm3eastclusterid000000001", "cm3westclusterid000000002"])
      for (let i = 0; i < 20; i++) {
        const key = { clusterId, pod: `web-7d9f8c6b5-${i.toString(36).padStart(5, "x")}`, container: "app" };
        positions.set(sourceId(key), { key, at: { ts: `2026-11-30T10:00:${String(i).padStart(2, "0")}.123456789Z`, n: 1 + (i % 3) } });
      }
    const prev = { clusterId: "cm3eastclusterid000000001", pod: "web-7d9f8c6b5-xxxx0", container: "app", previous: true };
    positions.set(sourceId(prev), { key: prev, at: { ts: "2026-11-30T09:59:00.000000001Z", n: 1 } });
    const text = encodeCursor({ openedMs: 1_790_000_000_000, positions });
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text.length).toBeLessThan(2_000);
    const back = decodeCursor(text);
    expect(back.openedMs).toBe(1_790_000_000_000);
    expect(back.positions).toEqual(positions);
  });

  it("refuses a cursor this server did not write, at the cursor field", () => {
    for (const bad of ["nonsense", Buffer.from("{}").toString("base64url"), "", "A".repeat(16_001)]) {
      const e = (() => {
        try {
          decodeCursor(bad);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).fieldErrors?.cursor?.[0]).toMatch(/not one this server wrote/);
    }
  });

  it("counts the lines of one timestamp, so a resume skips exactly those", () => {
    let at = advance(undefined, "t1");
    at = advance(at, "t1");
    expect(at).toEqual({ ts: "t1", n: 2 });
    expect(advance(at, "t2")).toEqual({ ts: "t2", n: 1 });
  });
});
