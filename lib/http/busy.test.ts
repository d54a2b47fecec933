/**
 * A burst larger than the pool: a transaction that gets no connection within
 * WHARF_DB_TX_WAIT_MS is answered "Wharf is busy; try again in a moment"
 * (UNAVAILABLE) by actions and routes (503 with Retry-After), never INTERNAL;
 * a job that meets it is retried by graphile-worker. Here the pool has one
 * connection, held by another transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest, NextResponse } from "next/server";
import { z } from "zod";
import type { Runner } from "graphile-worker";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { commentOnTicket } from "@/lib/tickets/engine";
import { ZComment } from "@/lib/tickets/schemas";
import { defineTask } from "@/lib/jobs/registry";
import { defineModule } from "@/lib/module";
import { extendRegistry } from "@/lib/modules";
import { startWorker } from "@/lib/jobs/worker";
import { AppError } from "@/lib/errors";
import { ctxFor, makeUser } from "@/test/factories";
import { runAction } from "./run-action";
import { defineRoute } from "./route";

// Read when the client is first made (below, after these lines run); put back for whatever runs next in this process.
const before = { pool: process.env.WHARF_DB_POOL, wait: process.env.WHARF_DB_TX_WAIT_MS };
process.env.WHARF_DB_POOL = "1";
process.env.WHARF_DB_TX_WAIT_MS = "200";
afterAll(() => {
  for (const [key, value] of [
    ["WHARF_DB_POOL", before.pool],
    ["WHARF_DB_TX_WAIT_MS", before.wait],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

// The definition of lib/tickets/actions.ts: commenting starts with its transaction.
const commentAction = {
  name: "ticket.comment",
  schema: ZComment,
  handler: (input: Parameters<typeof commentOnTicket>[1], ctx: Ctx) => commentOnTicket(ctx, input),
};

let requester: Ctx;
let ticketId: string;

/** Another request's transaction holding the pool's only connection, until the returned function lets it go. */
async function holdTheOnlyConnection(): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const tx = db().$transaction(
    async (t) => {
      await t.$queryRaw`select 1`;
      holding();
      await released;
    },
    { timeout: 60_000 },
  );
  await held;
  return async () => {
    release();
    await tx;
  };
}

beforeAll(async () => {
  const user = await makeUser("developer");
  requester = await ctxFor(user);
  ticketId = (await db().ticket.create({ data: { type: "permission", title: "Busy", requesterId: user.id, payload: {} } })).id;
});

describe("when the database has no connection free for a change", () => {
  it("an action answers 'Wharf is busy; try again in a moment' (UNAVAILABLE, not INTERNAL), saves nothing, and works when pressed again", async () => {
    const letGo = await holdTheOnlyConnection();
    const busy = await runAction(commentAction, { ticketId, body: "first try" }, { requestId: "busy-1", actor: async () => requester.actor });
    await letGo();
    expect(busy).toEqual({
      ok: false,
      error: { code: "UNAVAILABLE", message: "Wharf is busy; try again in a moment.", retryAfterSeconds: 5, requestId: "busy-1" },
    });
    expect(await db().ticketComment.count({ where: { ticketId } })).toBe(0);

    const again = await runAction(commentAction, { ticketId, body: "second try" }, { requestId: "busy-2", actor: async () => requester.actor });
    expect(again.ok).toBe(true);
    expect((await db().ticketComment.findMany({ where: { ticketId } })).map((c) => c.body)).toEqual(["second try"]);
  });

  it("a route answers 503 with Retry-After and the same sentence", async () => {
    const comment = defineRoute("/test/comment", async (req, { ctx }) => NextResponse.json(await commentOnTicket(ctx!, await req.json())));
    const letGo = await holdTheOnlyConnection();
    const res = await comment.withActor(async () => requester.actor)(
      new NextRequest("http://wharf.test/test/comment", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ticketId, body: "via route" }),
      }),
      { params: Promise.resolve({}) },
    );
    await letGo();
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toMatchObject({ code: "UNAVAILABLE", message: "Wharf is busy; try again in a moment." });
  });
});

describe("a job that meets a busy database", () => {
  const attempts: { attempt: number; error?: unknown }[] = [];
  let firstFailed!: () => void;
  const firstFailure = new Promise<void>((resolve) => (firstFailed = resolve));
  let succeeded!: () => void;
  const success = new Promise<void>((resolve) => (succeeded = resolve));
  const probe = defineTask({
    name: "test_busy_probe",
    description: "A transaction, for the busy test",
    payload: z.object({}),
    async run(_payload, { attempt }) {
      try {
        await db().$transaction(async (tx) => tx.$queryRaw`select 1`);
      } catch (error) {
        attempts.push({ attempt, error });
        firstFailed();
        throw error;
      }
      attempts.push({ attempt });
      succeeded();
    },
  });
  // Registered for this file only: a module of its own, as lib/module.test.ts adds one.
  extendRegistry(defineModule({ name: "busy-probe", policy: {}, parts: () => ({ tasks: [probe] }) }));

  let runner: Runner;
  beforeAll(async () => {
    runner = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: 1, schedule: false, pollInterval: 100 });
  });
  afterAll(async () => {
    await runner.stop();
  });

  it("is retried by the worker and completes, nothing lost", async () => {
    const letGo = await holdTheOnlyConnection();
    // Queued through graphile-worker's own connections, not the held pool.
    await runner.addJob("test_busy_probe", {});
    await firstFailure;
    await letGo();
    await success;
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.error).toBeInstanceOf(AppError);
    expect(attempts[0]!.error).toMatchObject({ code: "UNAVAILABLE" });
    expect(attempts[1]).toEqual({ attempt: 2 });
  });
});
