import Link from "next/link";
import { GitCommitHorizontal } from "lucide-react";

/** "Built by run #12 from abc1234 on develop", linking the run's page: what a release deployed, back to where it was built. */
export function BuiltByRun({ run }: { run: { number: number; commit: string; ref: string; refKind: "branch" | "tag"; path: string } }) {
  return (
    <p className="mb-4 flex flex-wrap items-center gap-1 text-sm" data-testid="built-by-run">
      <GitCommitHorizontal className="size-4 text-muted-foreground" aria-hidden />
      <span>Built by</span>
      <Link href={run.path} className="font-medium underline underline-offset-4">
        run #{run.number}
      </Link>
      {run.commit && (
        <>
          <span>from</span>
          <code className="font-mono text-xs">{run.commit.slice(0, 7)}</code>
        </>
      )}
      <span>on {run.refKind === "tag" ? "tag" : ""}</span>
      <code className="font-mono text-xs">{run.ref}</code>
    </p>
  );
}
