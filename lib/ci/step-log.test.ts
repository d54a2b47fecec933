/**
 * A step's log on its way to Postgres: stored in order, published live on
 * wharf_ci, and cut off with a note past the cap however much the step prints.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { makeProject, makeUser } from "@/test/factories";
import { CI_CHANNEL, StepLogSink, truncationNote, type CiLogMessage } from "./step-log";

async function aStep() {
  const owner = await makeUser();
  const project = await makeProject({ owner });
  const run = await db().ciRun.create({ data: { projectId: project.id, number: 1, service: "api", ref: "develop", trigger: "manual" } });
  const task = await db().ciTask.create({ data: { runId: run.id, name: "test" } });
  const step = await db().ciStep.create({ data: { taskId: task.id, runId: run.id, name: "unit" } });
  return { runId: run.id, stepId: step.id };
}

describe("a CI step's log", () => {
  it("is stored line by line and published on wharf_ci as it arrives", async () => {
    const ids = await aStep();
    const listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await listener.connect();
    const received: CiLogMessage[] = [];
    listener.on("notification", (n) => n.channel === CI_CHANNEL && received.push(JSON.parse(n.payload!) as CiLogMessage));
    await listener.query(`listen ${CI_CHANNEL}`);
    try {
      const sink = new StepLogSink(ids, 1024 * 1024);
      await sink.reset();
      await pipeline(Readable.from(["line 1\nline", " 2\n", "no newline at the end"]), sink);
      const step = await db().ciStep.findUniqueOrThrow({ where: { id: ids.stepId } });
      expect(step).toMatchObject({ log: "line 1\nline 2\nno newline at the end\n", logArchived: true, logTruncated: false, logBytes: step.log.length });
      await listener.query("select 1"); // notifications sent before this round trip have arrived
      const mine = received.filter((m) => m.stepId === ids.stepId);
      expect(mine.map((m) => m.text).join("")).toBe(step.log);
      expect(mine[0]).toMatchObject({ kind: "log", runId: ids.runId, offset: 0 });
    } finally {
      await listener.end();
    }
  });

  it("over the cap is cut off with a note, and the rest is not kept", async () => {
    const ids = await aStep();
    const cap = 2_000;
    const sink = new StepLogSink(ids, cap);
    await sink.reset();
    // 100,000 lines (about 2 MB) into a 2 kB cap.
    await pipeline(
      Readable.from(
        (function* () {
          for (let i = 0; i < 100_000; i++) yield `log line number ${String(i).padStart(6, "0")}\n`;
        })(),
      ),
      sink,
    );
    const step = await db().ciStep.findUniqueOrThrow({ where: { id: ids.stepId } });
    expect(step.logTruncated).toBe(true);
    expect(step.logArchived).toBe(true);
    expect(step.log.endsWith(truncationNote(cap))).toBe(true);
    const kept = step.log.slice(0, -truncationNote(cap).length);
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(cap);
    expect(kept.startsWith("log line number 000000\n")).toBe(true);
    expect(
      kept
        .split("\n")
        .filter(Boolean)
        .every((l) => /^log line number \d{6}$/.test(l)),
    ).toBe(true);
  });
});
