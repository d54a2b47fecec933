"use client";

import { useRouter } from "next/navigation";
import { RefreshCw } from "lucide-react";
import { Button } from "@/components/ui/button";
import { RegenerateDialog, type RegenerationSummary } from "./regenerate-dialog";

/** The Pipeline tab's "Regenerate": confirm what changes, then follow the run it started on the same page. */
export function PipelineRegenerate({ slug, summary, disabled }: { slug: string; summary: RegenerationSummary; disabled?: boolean }) {
  const router = useRouter();
  return (
    <RegenerateDialog
      target={{ projectId: summary.projectId }}
      projects={[summary]}
      title={`Regenerate the pipelines of ${slug}?`}
      trigger={
        <Button disabled={disabled}>
          <RefreshCw /> Regenerate
        </Button>
      }
      onApplied={(runs) => router.push(`/projects/${slug}/builds/pipeline?run=${runs[0]!.runId}#run`)}
    />
  );
}
