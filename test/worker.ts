/** A real graphile-worker for a test file (fast polling), stopped after the file. */
import { afterAll, beforeAll } from "vitest";
import type { Runner } from "graphile-worker";
import { startWorker } from "@/lib/jobs/worker";

export function workerForThisFile(opts: { concurrency?: number } = {}) {
  let runner: Runner | undefined;
  beforeAll(async () => {
    runner = await startWorker({ connectionString: process.env.DATABASE_URL!, concurrency: opts.concurrency ?? 4, schedule: false, pollInterval: 100 });
  });
  afterAll(async () => {
    await runner?.stop();
  });
}

/** Polls fn until it returns a value; on timeout, `explain` says what state things were left in. */
export async function until<T>(
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  what = "condition",
  explain?: () => Promise<string>,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${explain ? `: ${await explain()}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
