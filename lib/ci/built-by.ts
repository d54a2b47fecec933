/**
 * The CI run a release deploys the image of (`Release.ciRunId`, set by GitFlow promotion in ./promote.ts), as the
 * release page and the deploy ticket show it: "Built by run #12 from abc1234 on develop", linking the run's page.
 * Read only with a release its reader may already see (deploy.read): the run's number, commit and ref are what
 * the release itself deploys.
 */
import { db } from "@/lib/db/client";

/** The path of a run's page. */
export function runPath(projectSlug: string, number: number) {
  return `/projects/${projectSlug}/builds/${number}`;
}

/** The run a release was built by, for the release page and the deploy ticket ("Built by run #12 from abc1234 on develop"). */
export async function builtBy(ciRunId: string | null | undefined) {
  if (!ciRunId) return null;
  const run = await db().ciRun.findUnique({
    where: { id: ciRunId },
    select: { id: true, number: true, commitSha: true, ref: true, refKind: true, project: { select: { slug: true } } },
  });
  if (!run) return null;
  return {
    id: run.id,
    number: run.number,
    commit: run.commitSha,
    ref: run.ref,
    refKind: run.refKind === "tag" ? ("tag" as const) : ("branch" as const),
    projectSlug: run.project.slug,
    path: runPath(run.project.slug, run.number),
  };
}
