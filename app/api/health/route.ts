import { NextResponse } from "next/server";
import { db } from "@/lib/db/client";
import { defineRoute } from "@/lib/http/route";

/**
 * Liveness and readiness for load balancers and probes: 200 when the
 * database and the job queue answer, 503 naming the part that does not.
 * Public (no session) and free of data.
 */
async function check(name: string, fn: () => Promise<unknown>, timeoutMs = 2000) {
  const started = performance.now();
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))]);
    return { name, ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (e) {
    return { name, ok: false, latencyMs: Math.round(performance.now() - started), error: (e as Error).message.split("\n")[0] };
  }
}

export const GET = defineRoute(
  "/api/health",
  async () => {
    const checks = await Promise.all([
      check("database", () => db().$queryRaw`select 1`),
      check("queue", () => db().$queryRaw`select count(*) from graphile_worker._private_jobs where locked_at is null`),
    ]);
    const ok = checks.every((c) => c.ok);
    return NextResponse.json(
      { status: ok ? "ok" : "unavailable", failing: checks.filter((c) => !c.ok).map((c) => c.name), checks },
      { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } },
    );
  },
  { auth: false },
);
