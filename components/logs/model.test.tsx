import { describe, expect, it } from "vitest";
import { ZLogQuery, type LogLine } from "@/lib/logs/protocol";
import {
  appendRows,
  compileHighlight,
  cutNote,
  defaultFilters,
  EMPTY_ROWS,
  highlight,
  lineCount,
  logQuery,
  narrows,
  podHue,
  RateMeter,
  sourceMarker,
  type Row,
} from "./model";

const line = (key: number, text = `line ${key}`): Row => ({
  kind: "line",
  key,
  line: {
    clusterId: "c1",
    cluster: "east",
    pod: "api-1",
    container: "app",
    ts: "2026-11-30T10:00:00.000000001Z",
    ms: 0,
    level: "info",
    text,
  } satisfies LogLine,
});

describe("the viewer's bounded list", () => {
  it("keeps the newest rows and counts the ones it lets go", () => {
    let s = EMPTY_ROWS;
    s = appendRows(s, [line(1), line(2), line(3)], 4);
    s = appendRows(s, [line(4), line(5), line(6)], 4);
    expect(s.rows.map((r) => r.key)).toEqual([3, 4, 5, 6]);
    expect(s.letGo).toBe(2);
    expect(lineCount(s.rows)).toBe(4);
  });

  it("leaves the state as it was when nothing arrives", () => {
    const s = appendRows(EMPTY_ROWS, [line(1)]);
    expect(appendRows(s, [])).toBe(s);
  });
});

describe("the query a viewer asks with", () => {
  it("is one the server accepts: live, filtered, with every level chosen meaning none", () => {
    const f = defaultFilters({
      since: 300,
      levels: ["error", "fatal"],
      include: "(?i)timeout",
      exclude: "healthz",
      clusters: ["c1"],
      pods: ["api-1"],
      previous: true,
    });
    const q = logQuery("svc1", "dev", f);
    expect(Object.fromEntries(q)).toEqual({
      service: "svc1",
      env: "dev",
      since: "300",
      follow: "1",
      previous: "1",
      level: "fatal,error",
      include: "(?i)timeout",
      exclude: "healthz",
      cluster: "c1",
      pod: "api-1",
    });
    expect(ZLogQuery.safeParse(Object.fromEntries(q)).success).toBe(true);
    const all = logQuery("svc1", "dev", defaultFilters({ levels: ["fatal", "error", "warn", "info", "debug", "other"] }));
    expect(all.has("level")).toBe(false);
    expect(all.get("tail")).toBe("200");
  });

  it("asks a release's window without follow", () => {
    const q = logQuery("svc1", "prod", defaultFilters({ since: 300 }), { sinceTime: "2026-11-30T10:00:00.000Z", until: "2026-11-30T10:05:00.000Z" });
    expect(q.get("follow")).toBe("0");
    expect(q.has("since")).toBe(false);
    expect(q.has("tail")).toBe(false);
    expect(ZLogQuery.safeParse(Object.fromEntries(q)).success).toBe(true);
  });

  it("narrows only when a filter leaves lines out", () => {
    expect(narrows(defaultFilters())).toBe(false);
    expect(narrows(defaultFilters({ levels: ["error"] }))).toBe(true);
    expect(narrows(defaultFilters({ clusters: ["a", "b"] }), 2)).toBe(false);
    expect(narrows(defaultFilters({ clusters: ["a"] }), 2)).toBe(true);
  });
});

describe("include highlights", () => {
  it("marks what RE2 matches, case-insensitive with (?i), and nothing for an invalid pattern", () => {
    const re = compileHighlight("(?i)time(out)?");
    expect(highlight("Timeout after 3s; timeout again", re)).toEqual([
      { text: "Timeout", match: true },
      { text: " after 3s; ", match: false },
      { text: "timeout", match: true },
      { text: " again", match: false },
    ]);
    expect(compileHighlight("(unclosed")).toBeNull();
    expect(highlight("x", null)).toEqual([{ text: "x", match: false }]);
  });

  it("skips empty matches instead of looping", () => {
    expect(highlight("abc", compileHighlight("x*"))).toEqual([{ text: "abc", match: false }]);
  });
});

describe("what a line and a marker say", () => {
  it("gives a pod the same colour every time", () => {
    expect(podHue("api-7d9f-abcde")).toBe(podHue("api-7d9f-abcde"));
    expect(podHue("api-7d9f-abcde")).not.toBe(podHue("api-7d9f-fghij"));
  });

  it("says where a long line was cut", () => {
    expect(cutNote(200 * 1024)).toBe("cut at 64 KB of 200 KB");
  });

  it("marks an unreachable cluster as an error where it happened", () => {
    const m = sourceMarker({ clusterId: "c2", cluster: "west", pod: "api-2", container: "app", state: "unreachable", at: 5, message: "" }, 9);
    expect(m).toMatchObject({ kind: "marker", tone: "error", at: 5, text: "west stopped answering: lines of api-2 (app) on west stop here" });
  });

  it("counts lines per second over its window", () => {
    const m = new RateMeter(5000);
    m.add(50, 1000);
    m.add(50, 4000);
    expect(m.rate(5000)).toBe(20);
    expect(m.rate(8000)).toBe(10);
  });
});
