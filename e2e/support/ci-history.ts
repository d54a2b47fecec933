/**
 * CI history for the Builds tab's browser tests (scripts/e2e.ts runs it after the demo seed): a few finished runs of
 * storefront-web (Dana is a developer there, Mia a manager reads it), as the worker records them. Each commit
 * message names the e2e seed, so tests find their rows among runs other tests start.
 */
import { db } from "../../lib/db/client";

const DAY = 86_400_000;

export const SEEDED_RUNS = [
  { service: "web", ref: "develop", refKind: "branch", status: "succeeded", trigger: "push", message: "e2e seed: Add the basket badge", minutes: 3 },
  { service: "web", ref: "feature/checkout", refKind: "branch", status: "failed", trigger: "push", message: "e2e seed: Try a new checkout", minutes: 2 },
  { service: "bff", ref: "v1.4.0", refKind: "tag", status: "succeeded", trigger: "webhook", message: "e2e seed: Release 1.4.0", minutes: 4 },
] as const;

export async function seedCiHistory(say: (line: string) => void) {
  const project = await db().project.findUniqueOrThrow({ where: { slug: "storefront-web" }, select: { id: true } });
  if (await db().ciRun.count({ where: { projectId: project.id, message: { startsWith: "e2e seed:" } } })) return;
  const last = (await db().ciRun.aggregate({ where: { projectId: project.id }, _max: { number: true } }))._max.number ?? 0;
  for (const [i, r] of SEEDED_RUNS.entries()) {
    const startedAt = new Date(Date.now() - (SEEDED_RUNS.length - i) * DAY);
    const finishedAt = new Date(startedAt.getTime() + r.minutes * 60_000);
    const run = await db().ciRun.create({
      data: {
        projectId: project.id,
        number: last + i + 1,
        service: r.service,
        ref: r.ref,
        refKind: r.refKind,
        commitSha: `${"0123456789abcdef".repeat(2)}${String(i).padStart(8, "0")}`,
        message: `${r.message}\n\nSeeded for the Builds tab's tests.`,
        author: "Dana Developer <dana@wharf.dev>",
        trigger: r.trigger,
        status: r.status,
        reason: r.status === "failed" ? "Step test/unit failed: 3 tests failed" : "",
        createdAt: startedAt,
        startedAt,
        finishedAt,
      },
    });
    if (r.status === "failed") {
      const task = await db().ciTask.create({ data: { runId: run.id, name: "test", status: "failed", startedAt, durationMs: 60_000 } });
      await db().ciStep.create({ data: { runId: run.id, taskId: task.id, name: "unit", status: "failed", exitCode: 1, startedAt, durationMs: 60_000 } });
    }
  }
  say(`CI history: ${SEEDED_RUNS.length} runs of storefront-web`);
}
