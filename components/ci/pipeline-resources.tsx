/**
 * The generated resources of a project, per service: each resource with how
 * it compares with the build cluster (added, changed, unchanged), its diff
 * when changed and its YAML with a copy button, folded until opened.
 */
import { ChevronRight } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { PipelineGroup, PipelineResource, ResourceState } from "@/lib/ci/pipeline-view";
import { cn } from "@/lib/utils";
import { CopyButton } from "./copy-button";
import { PipelineDiff } from "./pipeline-diff";

const STATE: Record<ResourceState, { label: string; className: string }> = {
  added: { label: "to create", className: "border-emerald-600/40 text-emerald-700 dark:text-emerald-400" },
  changed: { label: "to change", className: "border-amber-600/40 text-amber-700 dark:text-amber-400" },
  unchanged: { label: "as applied", className: "text-muted-foreground" },
  unknown: { label: "not compared", className: "text-muted-foreground" },
};

export function StateBadge({ state }: { state: ResourceState }) {
  return (
    <Badge variant="outline" className={STATE[state].className}>
      {STATE[state].label}
    </Badge>
  );
}

function Resource({ r }: { r: PipelineResource }) {
  return (
    <li data-testid="pipeline-resource" data-ref={r.ref} data-state={r.state}>
      <details className="group" open={r.state === "changed"}>
        <summary className="flex cursor-pointer list-none items-center gap-2 py-2 [&::-webkit-details-marker]:hidden">
          <ChevronRight className="size-4 shrink-0 text-muted-foreground transition-transform group-open:rotate-90" aria-hidden />
          <span className="min-w-0 truncate font-mono text-sm">
            {r.kind} <span className="font-medium">{r.name}</span>
          </span>
          <StateBadge state={r.state} />
        </summary>
        <div className="grid gap-3 pb-3 pl-6">
          {r.diff && (
            <section className="grid gap-1">
              <h4 className="text-xs font-medium text-muted-foreground">Applied → generated</h4>
              <PipelineDiff diff={r.diff} label={`Diff of ${r.kind} ${r.name}`} />
            </section>
          )}
          <section className="grid gap-1">
            <div className="flex items-center justify-between gap-2">
              <h4 className="text-xs font-medium text-muted-foreground">Generated YAML</h4>
              <CopyButton text={r.yaml} label={`Copy the YAML of ${r.kind} ${r.name}`} />
            </div>
            <pre className="max-h-[28rem] overflow-auto rounded-md bg-muted p-3 font-mono text-xs" aria-label={`YAML of ${r.kind} ${r.name}`}>
              {r.yaml}
            </pre>
          </section>
        </div>
      </details>
    </li>
  );
}

export function PipelineResources({ groups, namespace }: { groups: readonly PipelineGroup[]; namespace: string }) {
  return (
    <div className="grid gap-4">
      {groups.map((g) => (
        <Card key={g.service ?? ""} id={g.service ? `service-${g.service}` : "shared"} data-testid={g.service ? `service-${g.service}` : "shared-resources"}>
          <CardHeader>
            <CardTitle className={cn(g.service && "font-mono")}>{g.service ?? "Shared by every service"}</CardTitle>
            <CardDescription>
              {g.service
                ? `The Pipeline that clones, tests, builds and pushes ${g.service}, in ${namespace}.`
                : `The CI namespace ${namespace}, the pipelines' service account and the Tasks every Pipeline runs.`}
            </CardDescription>
          </CardHeader>
          <CardContent>
            <ul className="divide-y" aria-label={g.service ? `Resources of ${g.service}` : "Shared resources"}>
              {g.resources.map((r) => (
                <Resource key={r.ref} r={r} />
              ))}
            </ul>
          </CardContent>
        </Card>
      ))}
    </div>
  );
}

/** The Jenkins Job Builder YAML and Jenkinsfile, for companies on Jenkins. */
export function JenkinsFiles({ jenkins }: { jenkins: { jobs: string; jenkinsfile: string } }) {
  const files = [
    { name: "jobs.yaml", what: "Jenkins Job Builder: jenkins-jobs update this file", text: jenkins.jobs },
    { name: "Jenkinsfile", what: "On the shared library; commit it at the repository's root", text: jenkins.jenkinsfile },
  ];
  return (
    <Card data-testid="jenkins-files">
      <CardHeader>
        <CardTitle>Jenkins</CardTitle>
        <CardDescription>Generated because this project&apos;s CI settings ask for Jenkins jobs besides the Tekton pipeline.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {files.map((f) => (
          <section key={f.name} className="grid gap-1">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <h3 className="font-mono text-sm font-medium">
                {f.name} <span className="font-sans font-normal text-muted-foreground">— {f.what}</span>
              </h3>
              <CopyButton text={f.text} label={`Copy ${f.name}`} />
            </div>
            <pre className="max-h-[28rem] overflow-auto rounded-md bg-muted p-3 font-mono text-xs" aria-label={f.name}>
              {f.text}
            </pre>
          </section>
        ))}
      </CardContent>
    </Card>
  );
}
