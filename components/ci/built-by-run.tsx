import Link from "@/components/ui/link";
import { GitCommitHorizontal } from "lucide-react";

/** "Built by run #12 from abc1234 on develop", linking the run's page: what a release deployed, back to where it was built. */
export function BuiltByRun({ run }: { run: { number: number; commit: string; ref: string; refKind: "branch" | "tag"; path: string } }) {
  return (
    <p className="mb-4 text-sm" data-testid="built-by-run">
      <GitCommitHorizontal className="mr-1 inline size-4 align-text-bottom text-muted-foreground" aria-hidden />
      Built by{" "}
      <Link href={run.path} className="font-medium underline underline-offset-4">
        run #{run.number}
      </Link>
      {run.commit && (
        <>
          {" "}
          from <code className="font-mono text-xs">{run.commit.slice(0, 7)}</code>
        </>
      )}{" "}
      on {run.refKind === "tag" ? "tag " : ""}
      <code className="font-mono text-xs">{run.ref}</code>
    </p>
  );
}
